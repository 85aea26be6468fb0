//go:build race

package jqsafe

const raceEnabled = true
