// Package examples holds the example files shipped with healthprobe, so the
// demo can run the very batch file a user reads.
package examples

import _ "embed"

// DemoYAML is examples/demo.yaml.
//
//go:embed demo.yaml
var DemoYAML string
