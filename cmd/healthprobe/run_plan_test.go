package main

import (
	"context"
	"io"
	"net/http/httptest"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/spf13/pflag"

	"github.com/healthprobe/healthprobe/config"
	"github.com/healthprobe/healthprobe/emulate"
	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/probe"
)

// sampleValues are values each type of flag takes, other than its default:
// a new type of flag needs one here (and a batch must be able to reset it);
// an enumerated flag takes one of its choices.
var sampleValues = map[string][]string{
	"string": {"x-sample"}, "bool": {"true"}, "int": {"7"}, "stringArray": {"a", "b"},
	"stringSlice": {"Free,Professional"}, "duration": {"3s"}, "size": {"2K"}, "days": {"5"},
	"state": {"ok"}, "range": {"5"}, "when": {"2h"},
}

// TestKindTemplateResets: a batch reuses each kind's command for every
// check of the kind, so reset must bring every flag of every kind back to
// its default, whatever the check before set: the options struct, the
// deadline and notify flags, and what is changed.
func TestKindTemplateResets(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			tp := newKindTemplate(k)
			if tp.opts.Kind() != reflect.Struct {
				t.Fatalf("kind %s: checkCommand.opts is not a pointer to its options struct", k.name)
			}
			run := defaultFlags()
			tp.reset(run)
			fresh := map[string]string{}
			for name, f := range tp.byName {
				fresh[name] = f.Value.String()
			}
			flags := *tp.flags
			for name, f := range tp.byName {
				values, ok := sampleValues[f.Value.Type()]
				if choices := flagChoices(f); !ok && choices != nil {
					// an enumerated flag (its type is the word help shows):
					// one of its values other than its default
					i := slices.IndexFunc(choices, func(c string) bool { return c != f.Value.String() })
					values, ok = choices[i:i+1], true
				}
				if !ok {
					t.Fatalf("--%s: no sample value for its type %q: add one to sampleValues", name, f.Value.Type())
				}
				if f.Value.Type() == "bool" && f.Value.String() == "true" {
					values = []string{"false"}
				}
				if err := tp.set(name, values); err != nil {
					t.Fatalf("--%s %q: %v", name, values, err)
				}
				if !f.Changed {
					t.Errorf("--%s: not marked as changed", name)
				}
			}
			tp.reset(run)
			for name, f := range tp.byName {
				if got := f.Value.String(); got != fresh[name] || f.Changed {
					t.Errorf("--%s after reset: %q (changed %v), want %q", name, got, f.Changed, fresh[name])
				}
			}
			if !reflect.DeepEqual(tp.opts.Interface(), tp.pristine.Interface()) {
				t.Errorf("the options after reset:\n%+v\nwant\n%+v", tp.opts.Interface(), tp.pristine.Interface())
			}
			if !reflect.DeepEqual(*tp.flags, flags) {
				t.Errorf("the deadline and notify flags after reset: %+v, want %+v", *tp.flags, flags)
			}
		})
	}
}

// TestKindTemplateLists: a list key replaces its flag's default and the
// list of the check before, as on a fresh command line; pflag's list
// values would otherwise append to either.
func TestKindTemplateLists(t *testing.T) {
	for _, k := range kinds {
		tp := newKindTemplate(k)
		for name, f := range tp.byName {
			sv, ok := f.Value.(pflag.SliceValue)
			if !ok {
				continue
			}
			tp.reset(defaultFlags())
			before := slices.Clone(sv.GetSlice())
			for _, v := range []string{"first", "second"} {
				tp.reset(defaultFlags())
				if err := tp.set(name, []string{v}); err != nil {
					t.Fatalf("%s --%s: %v", k.name, name, err)
				}
				if got := sv.GetSlice(); !slices.Equal(got, []string{v}) {
					t.Errorf("%s --%s %s: %q", k.name, name, v, got)
				}
			}
			tp.reset(defaultFlags())
			if got := sv.GetSlice(); !slices.Equal(got, before) {
				t.Errorf("%s --%s: default %q became %q", k.name, name, before, got)
			}
		}
	}
	if !slices.Equal(probe.ItgrixLicenseTypes, []string{"Professional", "Subscription"}) {
		t.Errorf("the default licence types changed: %q", probe.ItgrixLicenseTypes)
	}
}

// TestBatchChecksKeepTheirOwnOptions: each check of a kind runs with its
// own options, never those of the check planned before it on the same
// command.
func TestBatchChecksKeepTheirOwnOptions(t *testing.T) {
	web := httptest.NewServer(emulate.Web())
	defer web.Close()
	e, _ := findEmulator("itgrix")
	h, err := e.handler("")
	if err != nil {
		t.Fatal(err)
	}
	pbx := httptest.NewServer(h)
	defer pbx.Close()
	file, err := config.Parse([]byte(`
checks:
  - {name: absent, kind: http, url: "` + web.URL + `/ready", keyword: [no such text], header: ["X-A: 1"], timeout: 5s}
  - {name: plain, kind: http, url: "` + web.URL + `/ready"}
  - {name: free-only, kind: itgrix, host: "` + pbx.URL + `", user: admin, password_env: ITGRIX_PASSWORD, license-type: [Free]}
  - {name: default-types, kind: itgrix, host: "` + pbx.URL + `", user: admin, password_env: ITGRIX_PASSWORD}
`))
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, v := range e.vars {
		vars[v.name] = v.value
	}
	rs := newRunState(env{stdout: io.Discard, stderr: io.Discard, getenv: func(k string) string { return vars[k] }})
	pl, err := newPlanner(file, defaultFlags(), rs, false, false)
	if err != nil {
		t.Fatal(err)
	}
	var built []builtCheck
	for _, c := range file.Checks {
		b, err := pl.build(c)
		if err != nil {
			t.Fatal(err)
		}
		built = append(built, b)
	}
	want := map[string]nagios.State{"absent": nagios.Critical, "plain": nagios.OK, "free-only": nagios.Warning, "default-types": nagios.OK}
	for _, b := range built {
		res := b.result(context.Background())
		if res.State != want[b.name] {
			t.Errorf("%s: %s %s", b.name, res.State, res.Summary)
		}
	}
	if built[0].ce.timeout == built[1].ce.timeout || built[1].ce.globalFlags != built[2].ce.globalFlags {
		t.Errorf("timeouts %v %v: a check's own -t is its own; the others share the run's", built[0].ce.timeout, built[1].ce.timeout)
	}
}

// TestRunInOrder: each answer is handed on in the jobs' order as soon as
// it and every one before it are done, not at the end; at most conc jobs
// run at once, each worker with its own job function.
func TestRunInOrder(t *testing.T) {
	const n, conc = 6, 3
	release := make([]chan struct{}, n)
	for i := range release {
		release[i] = make(chan struct{})
	}
	var mu sync.Mutex
	running, most, workers := 0, 0, 0
	emitted := make(chan string, n)
	done := make(chan struct{})
	go func() {
		runInOrder(n, conc, func() func(int) string {
			mu.Lock()
			workers++
			mu.Unlock()
			return func(i int) string {
				mu.Lock()
				running++
				most = max(most, running)
				mu.Unlock()
				<-release[i]
				mu.Lock()
				running--
				mu.Unlock()
				return string(rune('a' + i))
			}
		}, func(name string) { emitted <- name })
		close(done)
	}()
	// b and c end first, and wait for a: then come a, b, c, while d, e
	// and f still run
	close(release[1])
	close(release[2])
	close(release[0])
	for _, want := range []string{"a", "b", "c"} {
		if got := <-emitted; got != want {
			t.Fatalf("emitted %s, want %s", got, want)
		}
	}
	close(release[4])
	close(release[3])
	for _, want := range []string{"d", "e"} {
		if got := <-emitted; got != want {
			t.Fatalf("emitted %s, want %s", got, want)
		}
	}
	close(release[5])
	<-done
	if got := <-emitted; got != "f" {
		t.Fatalf("emitted %s, want f", got)
	}
	if most > conc || workers != conc {
		t.Errorf("%d jobs ran at once and %d workers, want at most %d and %d", most, workers, conc, conc)
	}
}
