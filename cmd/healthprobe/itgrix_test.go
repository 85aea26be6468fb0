package main

import (
	"testing"

	"github.com/spf13/cobra"

	"github.com/healthprobe/healthprobe/nagios"
)

func TestItgrixBaseURL(t *testing.T) {
	tests := []struct {
		host            string
		port            int
		scheme          string
		portSet, schSet bool
		want, wantErr   string
	}{
		{host: "10.0.0.5", port: 8077, scheme: "http", want: "http://10.0.0.5:8077"},
		{host: " pbx.example.com ", port: 9000, scheme: "HTTPS", portSet: true, schSet: true, want: "https://pbx.example.com:9000"},
		{host: "pbx:8443", port: 8077, scheme: "https", want: "https://pbx:8443"},
		{host: "::1", port: 8077, scheme: "http", want: "http://[::1]:8077"},
		{host: "[::1]", port: 8077, scheme: "http", want: "http://[::1]:8077"},
		{host: "[::1]:9", port: 8077, scheme: "http", want: "http://[::1]:9"},
		{host: "http://pbx:8077", want: "http://pbx:8077"},
		{host: "https://pbx/itgrix/status/", want: "https://pbx/itgrix"},
		{host: "http://pbx:8077/", want: "http://pbx:8077"},
		{host: "", wantErr: "missing HOST"},
		{host: "http://pbx", portSet: true, wantErr: "HOST is a full URL: give the port and scheme in it, not with --port or --scheme"},
		{host: "ftp://pbx", wantErr: `invalid URL "ftp://pbx": the scheme must be http or https`},
		{host: "http://pbx/status?path=x", wantErr: `invalid HOST "http://pbx/status?path=x": a base URL takes no query; use --path for one element`},
		{host: "pbx", port: 70000, scheme: "http", wantErr: "invalid --port 70000 (want 1 to 65535)"},
		{host: "pbx", port: 8077, scheme: "gopher", wantErr: `invalid --scheme "gopher" (want http or https)`},
		{host: "pbx:0", port: 8077, scheme: "http", wantErr: `invalid port "0" in HOST`},
		{host: "pbx:1", port: 2, scheme: "http", portSet: true, wantErr: `the port is given twice: in HOST "pbx:1" and with --port`},
		{host: "user@pbx", port: 8077, scheme: "http", wantErr: `invalid HOST "user@pbx": give a host name or address, or a full base URL such as http://pbx:8077`},
		{host: ":8077", port: 8077, scheme: "http", wantErr: `invalid HOST ":8077": no host name`},
	}
	for _, tt := range tests {
		got, err := itgrixBaseURL(tt.host, tt.port, tt.scheme, tt.portSet, tt.schSet)
		switch {
		case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
			t.Errorf("%q: error %v, want %q", tt.host, err, tt.wantErr)
		case tt.wantErr == "" && (err != nil || got != tt.want):
			t.Errorf("%q: got %q, %v; want %q", tt.host, got, err, tt.want)
		}
	}
}

func TestJQFlagsBindToThePrecedingExpression(t *testing.T) {
	cmd := &cobra.Command{Use: "x"}
	o := &jqFlags{}
	addJQFlags(cmd, o)
	err := cmd.ParseFlags([]string{"--jq", ".a", "--jq-critical", "5", "--jq-label", "a_label",
		"--jq", ".b", "--jq-equals", "up", "--jq-state", "warning", "--jq", ".c", "--jq-regex", "^x"})
	if err != nil {
		t.Fatal(err)
	}
	want := []jqItem{{"jq", ".a"}, {"jq-critical", "5"}, {"jq-label", "a_label"}, {"jq", ".b"},
		{"jq-equals", "up"}, {"jq-state", "warning"}, {"jq", ".c"}, {"jq-regex", "^x"}}
	if len(o.items) != len(want) {
		t.Fatalf("items %q, want %q", o.items, want)
	}
	for i := range want {
		if o.items[i] != want[i] {
			t.Fatalf("items %q, want %q", o.items, want)
		}
	}
	specs, err := o.specs()
	if err != nil || len(specs) != 3 {
		t.Fatalf("specs: %v, %d", err, len(specs))
	}
	a, b, c := specs[0], specs[1], specs[2]
	if a.Expr != ".a" || a.Thresholds.Crit == nil || a.Thresholds.Crit.String() != "5" || a.Thresholds.Warn != nil ||
		a.Label != "a_label" || a.Equals != nil || a.FailState != nil {
		t.Errorf(".a got %+v", a)
	}
	if b.Expr != ".b" || b.Equals == nil || *b.Equals != "up" || b.FailState == nil || *b.FailState != nagios.Warning ||
		b.Thresholds.Crit != nil || b.Label != "" {
		t.Errorf(".b got %+v", b)
	}
	if c.Expr != ".c" || c.Regex == nil || c.Regex.String() != "^x" || c.Equals != nil {
		t.Errorf(".c got %+v", c)
	}
	as, err := o.build()
	if err != nil || len(as) != 1 {
		t.Fatalf("build: %v, %d assertions", err, len(as))
	}
	none, err := (&jqFlags{}).build()
	if err != nil || none != nil {
		t.Errorf("no --jq: %v, %v", none, err)
	}
}
