package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// No test writes outside its temporary directories: TestRandomBadInput once
// wrote 54 state files and 9 outboxes into the real /var/lib/healthprobe
// (the default state directory of root, which the tests run as). Two
// measures keep every test away from it:
//
//   - privateEnv gives the test process a temporary HOME and
//     XDG_STATE_HOME, and scriptEnv gives each testscript script its own
//     (testscript's HOME=/no-home is writable by root): the default state
//     directory is temporary wherever a test reads the environment;
//   - guardStateDir, which every run consults (stateDirGuard) in this
//     process and in every healthprobe the tests start, refuses a state
//     directory outside the temporary directory (a default one, a relative
//     --state-dir in the source tree ...), and the test process fails when
//     any run was refused, whatever the test made of the error.

// testTempEnv passes the temporary directory of the test process to the
// healthprobe processes it starts, whose own TMPDIR testscript changes.
const testTempEnv = "HEALTHPROBE_TEST_TEMP"

var refused struct {
	sync.Mutex
	dirs []string
}

// guardStateDir refuses a state directory outside the test's temporary
// directory, and remembers it.
func guardStateDir(dir string) error {
	root := os.Getenv(testTempEnv)
	if root == "" {
		root = os.TempDir()
	}
	if inside(dir, root) {
		return nil
	}
	refused.Lock()
	refused.dirs = append(refused.dirs, dir)
	refused.Unlock()
	return fmt.Errorf("under test, the state directory %s is refused: it is outside the temporary directory %s", dir, root)
}

// inside reports whether dir is root or under it, both made absolute.
func inside(dir, root string) bool {
	d, err1 := filepath.Abs(dir)
	r, err2 := filepath.Abs(root)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(r, d)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// privateEnv runs the tests with a temporary HOME and XDG_STATE_HOME, and
// fails when a run was refused its state directory.
type privateEnv struct{ m *testing.M }

func (p privateEnv) Run() int {
	tmp, err := os.MkdirTemp("", "healthprobe-test-env-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	for k, v := range map[string]string{
		"HOME":           filepath.Join(tmp, "home"),
		"XDG_STATE_HOME": filepath.Join(tmp, "state"),
		testTempEnv:      os.TempDir(),
	} {
		os.Setenv(k, v)
	}
	code := p.m.Run()
	refused.Lock()
	defer refused.Unlock()
	if len(refused.dirs) > 0 {
		slices.Sort(refused.dirs)
		fmt.Fprintf(os.Stderr, "FAIL: %d runs asked for a state directory outside the temporary directory (refused): %s\n",
			len(refused.dirs), strings.Join(slices.Compact(refused.dirs), ", "))
		return 1
	}
	return code
}

// scriptEnv gives a script its own HOME and XDG_STATE_HOME under $WORK.
func scriptEnv(env *testscript.Env) error {
	env.Setenv("HOME", filepath.Join(env.WorkDir, ".home"))
	env.Setenv("XDG_STATE_HOME", filepath.Join(env.WorkDir, ".state"))
	env.Setenv(testTempEnv, os.Getenv(testTempEnv))
	return nil
}

// testGetenv is an environment of vars plus the test process's private
// HOME and XDG_STATE_HOME, for tests that give a run its environment.
func testGetenv(vars map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := vars[k]; ok {
			return v
		}
		if k == "HOME" || k == "XDG_STATE_HOME" {
			return os.Getenv(k)
		}
		return ""
	}
}

func TestStateDirGuard(t *testing.T) {
	root := t.TempDir()
	for _, tt := range []struct {
		dir  string
		want bool
	}{
		{root, true},
		{filepath.Join(root, "a", "b"), true},
		{filepath.Join(root, "a", "..", "..", "x"), false},
		{"/var/lib/healthprobe", false},
		{"relative/state", false},
		{root + "-sibling", false},
	} {
		if got := inside(tt.dir, root); got != tt.want {
			t.Errorf("inside(%q, %q) = %v, want %v", tt.dir, root, got, tt.want)
		}
	}
	// the process environment the tests run with is private
	for _, k := range []string{"HOME", "XDG_STATE_HOME"} {
		if v := os.Getenv(k); !inside(v, os.Getenv(testTempEnv)) {
			t.Errorf("%s=%s, outside the temporary directory", k, v)
		}
	}
	// and the default state directory with it
	dir, err := defaultStateDir(os.Getenv)
	if err != nil || !inside(dir, os.TempDir()) {
		t.Errorf("default state directory %q (%v), want one inside %s", dir, err, os.TempDir())
	}
}
