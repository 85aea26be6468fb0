package main

import (
	"github.com/spf13/cobra"

	"github.com/healthprobe/healthprobe/probe"
)

// jqFlags are the jq assertion flags (issue 3 fills them in).
type jqFlags struct{}

func addJQFlags(*cobra.Command, *jqFlags) {}

func (*jqFlags) build() ([]probe.BodyAssertion, error) { return nil, nil }
