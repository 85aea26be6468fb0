package main

import (
	"fmt"
	"regexp"
	"strings"
)

// faultsDoc renders docs/faults.md from the suite's results.
func faultsDoc(results []faultResult) string {
	var b strings.Builder
	b.WriteString(`# Faults: what healthprobe reports when a server misbehaves

A monitoring check is the last thing that may lie or hang. The fault suite
(` + "`cmd/healthprobe/faults_test.go`" + `) points every probe at loopback servers
that misbehave on purpose and proves, for each pair, the state and the
one-line reason below, an answer within the deadline plus 200 ms, memory
bounded (at most 32 MiB allocated in all during the run, servers included,
against bodies of 1 GiB and more) and no goroutine left behind. Every run
uses ` + "`-vvv`" + `, the default ` + "`--max-body`" + ` (1 MiB) and, where the probe
takes them, credentials; its whole output, verbose log included, is checked
too: valid UTF-8, no control or bidirectional formatting characters, no
secret, and ` + "`--insecure`" + ` stated whenever it was given. A fault marked
"(-t 0.5)" makes a probe wait, and its answer is a timeout within 0.5 s; the
others run with ` + "`-t 5`" + `: their answer is not a timeout, and must not
depend on how fast a busy machine gets there.

The suite writes this file, and fails when the faults, probes or states
here differ from what it finds:

    go test ./cmd/healthprobe -run TestFaultSuite -update

"time" is the wall time of the whole run, from start to exit code.

`)
	probes := make([]string, len(faultProbes))
	for i, p := range faultProbes {
		probes[i] = p.name
	}
	b.WriteString("## State and time to answer\n\n| fault | " + strings.Join(probes, " | ") + " |\n|---" + strings.Repeat("|---", len(probes)) + "|\n")
	byKey := map[string]faultResult{}
	for _, r := range results {
		byKey[r.fault+"/"+r.probe] = r
	}
	for _, f := range faults {
		cells := []string{f.label()}
		for _, p := range probes {
			r, ok := byKey[f.name+"/"+p]
			if !ok {
				cells = append(cells, "-")
				continue
			}
			cells = append(cells, fmt.Sprintf("%s %.2f s", r.state, r.took.Seconds()))
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	b.WriteString("\n## Reasons: line 1 as printed\n\nPorts are shown as PORT, dates as DATE.\n\n| fault | probe | state | time | allocated | summary |\n|---|---|---|---|---|---|\n")
	for _, f := range faults {
		for _, p := range probes {
			r, ok := byKey[f.name+"/"+p]
			if !ok {
				continue
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %.2f s | %.1f MiB | %s |\n", f.label(), p, r.state, r.took.Seconds(),
				float64(r.alloc)/(1<<20), mdCode(dateRE.ReplaceAllString(portRE.ReplaceAllString(r.summary, "127.0.0.1:PORT"), "DATE")))
		}
	}
	return b.String()
}

// label names a fault in the tables.
func (f fault) label() string {
	if f.waits {
		return f.name + " (-t 0.5)"
	}
	return f.name
}

var (
	portRE = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	dateRE = regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)
)

// mdCode quotes a summary for a table cell.
func mdCode(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	if strings.Contains(s, "`") {
		return s
	}
	return "`" + s + "`"
}

var timeCell = regexp.MustCompile(`\d+\.\d+ (s|MiB)`)

// stableDoc keeps what the suite must reproduce exactly: the text, the
// faults, probes and states; times, memory and reasons are dropped.
func stableDoc(doc string) string {
	var out []string
	reasons := false
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(line, "| fault | probe |") {
			reasons = true
		}
		if strings.HasPrefix(line, "|") && reasons {
			cells := strings.Split(line, " | ")
			if len(cells) > 3 {
				line = strings.Join(cells[:3], " | ")
			}
		}
		out = append(out, timeCell.ReplaceAllString(line, "T"))
	}
	return strings.Join(out, "\n")
}
