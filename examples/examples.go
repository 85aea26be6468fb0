// Package examples holds the example files shipped with healthprobe, so the
// demo can run the very batch file a user reads.
package examples

import "embed"

// DemoYAML is examples/demo.yaml.
//
//go:embed demo.yaml
var DemoYAML string

// Flows holds examples/flows/*.yaml: the flows of docs/flow.md, which the
// demo runs.
//
//go:embed flows/*.yaml
var Flows embed.FS
