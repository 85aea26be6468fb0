package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/healthprobe/healthprobe/emulate"
)

// TestFlowDocExamples: the flows of docs/flow.md are examples/flows/*.yaml
// (which the demo runs), and each runs as shown against the login API
// emulator, its output the doc's but for the times. -update writes the
// outputs into the doc:
//
//	go test ./cmd/healthprobe -run TestFlowDocExamples -update
func TestFlowDocExamples(t *testing.T) {
	const docFile = "../../docs/flow.md"
	raw, err := os.ReadFile(docFile)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	files := regexp.MustCompile("(?s)```yaml\n(# (examples/flows/[a-z]+\\.yaml):.*?)```").FindAllStringSubmatch(doc, -1)
	if len(files) != 3 {
		t.Fatalf("%s shows %d of examples/flows/*.yaml, want 3", docFile, len(files))
	}
	for _, f := range files {
		want, err := os.ReadFile("../../" + f[2])
		if err != nil {
			t.Fatal(err)
		}
		if f[1] != string(want) {
			t.Errorf("%s shows %s other than it is", docFile, f[2])
		}
	}
	srv, err := emulate.Serve(emulate.NewLoginAPI())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	vars := map[string]string{"APP_URL": srv.URL, "APP_PASSWORD": emulate.LoginPassword}
	runs := regexp.MustCompile("(?s)```console\n\\$ healthprobe (flow examples/flows/[a-z]+\\.yaml)\n(.*?)```").FindAllStringSubmatchIndex(doc, -1)
	if len(runs) != 3 {
		t.Fatalf("%s runs %d flows, want 3", docFile, len(runs))
	}
	times := regexp.MustCompile(`\d+\.\d+`)
	updated := doc
	for i := len(runs) - 1; i >= 0; i-- {
		m := runs[i]
		args := strings.Fields(doc[m[2]:m[3]])
		shown := doc[m[4]:m[5]]
		code, out, errOut := runArgs(t, vars, args[0], "../../"+args[1])
		if code != 0 {
			t.Errorf("healthprobe %s: exit %d\n%s%s", doc[m[2]:m[3]], code, out, errOut)
		}
		if *updateFaults {
			updated = updated[:m[4]] + out + updated[m[5]:]
			continue
		}
		if times.ReplaceAllString(out, "N") != times.ReplaceAllString(shown, "N") {
			t.Errorf("healthprobe %s gives\n%s\n%s shows\n%s\n(go test ./cmd/healthprobe -run TestFlowDocExamples -update)", doc[m[2]:m[3]], out, docFile, shown)
		}
	}
	if *updateFaults && updated != doc {
		if err := os.WriteFile(docFile, []byte(updated), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
