package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/healthprobe/healthprobe/emulate"
)

// SIGTERM and SIGINT end a run at once, with UNKNOWN and the reason, and
// exit 3: the real binary (the test binary, which testscript puts on PATH
// as healthprobe) is started against servers that never answer, and
// signalled once every check is waiting.

// signalBound is how soon after the signal the process must have exited,
// against a deadline (-t) of a minute.
const signalBound = 3 * time.Second

func healthprobeBinary(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("healthprobe")
	if err != nil {
		t.Skipf("no healthprobe on PATH (testscript sets it up in TestMain): %v", err)
	}
	return bin
}

// waitingServer never answers; each request it reads is announced on the
// channel.
func waitingServer(t *testing.T) (*hostile, <-chan struct{}) {
	got := make(chan struct{}, 16)
	srv := serveRaw(t, nil, true, func(_ net.Conn, _ *http.Request, done <-chan struct{}) {
		got <- struct{}{}
		<-done
	})
	t.Cleanup(srv.Close)
	return srv, got
}

// signalsTaken is the -vv line that says a signal now ends the run.
const signalsTaken = "* SIGINT and SIGTERM now end the run with UNKNOWN"

// interrupt starts args with -vv, waits until the server got n requests and
// the process has taken over the signals (it says so on stderr), sends sig
// and returns the exit code, stdout and how long the exit took.
func interrupt(t *testing.T, sig os.Signal, got <-chan struct{}, n int, args ...string) (int, string, time.Duration) {
	t.Helper()
	return interruptAt(t, sig, got, n, "", args...)
}

// interruptAt is interrupt that also waits, before the signal, for a line
// of stderr starting with at (the run at -vvv, when at is given).
func interruptAt(t *testing.T, sig os.Signal, got <-chan struct{}, n int, at string, args ...string) (int, string, time.Duration) {
	t.Helper()
	verbose := "-vv"
	if at != "" {
		verbose = "-vvv"
	}
	cmd := exec.Command(healthprobeBinary(t), append([]string{verbose}, args...)...)
	cmd.Env = append(os.Environ(), "KALEYRA_KEY="+emulate.KaleyraAPIKey, "NO_COLOR=1")
	var out bytes.Buffer
	cmd.Stdout = &out
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	taken, errLines := make(chan struct{}), make(chan []string, 1)
	reached := make(chan struct{})
	if at == "" {
		close(reached)
	}
	waitFor := at
	go func() {
		var lines []string
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if sc.Text() == signalsTaken {
				close(taken)
			}
			if waitFor != "" && strings.HasPrefix(sc.Text(), waitFor) {
				close(reached)
				waitFor = ""
			}
			lines = append(lines, sc.Text())
		}
		errLines <- lines
	}()
	timeout := time.NewTimer(30 * time.Second)
	defer timeout.Stop()
	fail := func(format string, args ...any) {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf(format+"\nstdout:\n%s\nstderr:\n%s", append(args, out.String(), strings.Join(<-errLines, "\n"))...)
	}
	for i := 0; i < n; i++ {
		select {
		case <-got:
		case <-timeout.C:
			fail("the server got %d of %d requests", i, n)
		}
	}
	select {
	case <-taken:
	case <-timeout.C:
		fail("no %q on stderr", signalsTaken)
	}
	select {
	case <-reached:
	case <-timeout.C:
		fail("no line %q on stderr", at)
	}
	sent := time.Now()
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	var lines []string
	select {
	case lines = <-errLines: // stderr is closed: the process is exiting
	case <-time.After(signalBound):
		fail("still running %v after %v", signalBound, sig)
	}
	took := time.Since(sent)
	err = cmd.Wait() // only after stderr is read to its end
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode() // -1 when the signal killed it
	case err != nil:
		t.Fatal(err)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "> ") && !strings.HasPrefix(l, "< ") && !strings.Contains(l, "] > ") && l != signalsTaken &&
			!strings.HasPrefix(l, "* step ") { // a flow's steps
			t.Errorf("stderr: %s", l)
		}
	}
	return code, out.String(), took
}

func TestSignalEndsACheck(t *testing.T) {
	for _, tt := range []struct {
		sig  os.Signal
		text string
	}{{syscall.SIGTERM, "terminated"}, {os.Interrupt, "interrupt"}} {
		t.Run(tt.text, func(t *testing.T) {
			srv, got := waitingServer(t)
			code, out, took := interrupt(t, tt.sig, got, 1, "http", srv.URL+"/health", "-t", "60")
			want := "HTTP UNKNOWN - interrupted (" + tt.text + " signal received): " + srv.Addr + " accepted the request but sent no answer\n"
			if code != 3 || out != want {
				t.Errorf("exit %d, stdout %q; want exit 3, %q", code, out, want)
			}
			t.Logf("exited %v after the signal", took)
		})
	}
}

// answeringServer answers every request with a JSON body after announcing
// it on the channel; after can send more (or nothing) and hold the
// connection.
func answeringServer(t *testing.T, answer string) (*hostile, <-chan struct{}) {
	got := make(chan struct{}, 16)
	srv := serveRaw(t, nil, true, func(c net.Conn, _ *http.Request, done <-chan struct{}) {
		got <- struct{}{}
		_, _ = io.WriteString(c, answer)
		<-done
	})
	t.Cleanup(srv.Close)
	return srv, got
}

// A signal ends the other waits of a run too: an interim answer followed by
// silence, and jq expressions at work on an answer.
func TestSignalEndsEveryWait(t *testing.T) {
	endless := []string{}
	for range 60 { // 60 s of work: the signal comes while one runs
		endless = append(endless, "--jq", "def f: f; f")
	}
	body := `{"status":"ok"}`
	for _, tt := range []struct {
		name   string
		answer string
		args   []string
		at     string // the stderr line (-vvv) after which the signal is sent
		want   string // line 1, after "HTTP UNKNOWN - ": a regular expression
	}{
		// (the signal may come before the client has read the 100: the
		// request is then still waiting for an answer)
		{"100 Continue then silence", "HTTP/1.1 100 Continue\r\n\r\n", nil, "",
			`interrupted \(terminated signal received\): $ADDR (began its answer but did not finish the headers|accepted the request but sent no answer)`},
		{"jq at work", fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body), endless,
			"< body (", `jq 'def f: f; f' interrupted \(terminated signal received\); `},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, got := answeringServer(t, tt.answer)
			args := append([]string{"http", srv.URL + "/health", "-t", "60"}, tt.args...)
			code, out, took := interruptAt(t, syscall.SIGTERM, got, 1, tt.at, args...)
			want := regexp.MustCompile(`^HTTP UNKNOWN - ` + strings.ReplaceAll(tt.want, "$ADDR", regexp.QuoteMeta(srv.Addr)))
			if code != 3 || !want.MatchString(out) {
				t.Errorf("exit %d, stdout %q; want exit 3, %s", code, out, want)
			}
			t.Logf("exited %v after the signal", took)
		})
	}
}

// A batch reports every check that was cut short, and exits 3.
func TestSignalEndsABatch(t *testing.T) {
	srv, got := waitingServer(t)
	batch := filepath.Join(t.TempDir(), "checks.yaml")
	err := os.WriteFile(batch, fmt.Appendf(nil, `defaults:
  timeout: 60s
checks:
  - {name: web, kind: http, url: %[1]s/health}
  - {name: pbx, kind: itgrix, host: %[1]s, user: admin, password: not-used-here}
  - {name: node, kind: pexip, node: %[1]s, alias: probe.test}
  - {name: voice, kind: kaleyra, url: %[1]s/v1/, api_key_env: KALEYRA_KEY}
`, srv.URL), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	code, out, took := interrupt(t, syscall.SIGTERM, got, 4, "run", "-c", batch)
	cut := ` UNKNOWN - interrupted \(terminated signal received\): ` + regexp.QuoteMeta(srv.Addr) + ` accepted the request but sent no answer`
	want := regexp.MustCompile(`^RUN UNKNOWN - 4 unknown of 4 checks: web UNKNOWN, pbx UNKNOWN, node UNKNOWN, voice UNKNOWN \| checks=4 ok=0 warning=0 critical=0 unknown=4\n` +
		`\[web\] HTTP` + cut + `\n\[pbx\] ITGRIX` + cut + `\n\[node\] PEXIP` + cut + `\n\[voice\] KALEYRA` + cut + `\n$`)
	if code != 3 || !want.MatchString(out) {
		t.Errorf("exit %d, stdout:\n%s", code, out)
	}
	if strings.Contains(out, "not-used-here") {
		t.Error("the password shows")
	}
	t.Logf("exited %v after the signal", took)
}

// A flow cut short by a signal still runs its cleanup step, within the
// cleanup's own time, and then ends with UNKNOWN.
func TestSignalEndsAFlowAfterItsCleanup(t *testing.T) {
	srv, got := waitingServer(t)
	cleaned := make(chan string, 1)
	cleanup := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cleaned <- r.Method + " " + r.URL.Path
	}))
	defer cleanup.Close()
	flow := filepath.Join(t.TempDir(), "flow.yaml")
	err := os.WriteFile(flow, fmt.Appendf(nil, `timeout: 60s
steps:
  - {name: hang, url: "%s/orders"}
  - {name: next, url: "%[2]s/next"}
  - {name: logout, always: true, method: POST, url: "%[2]s/logout"}
`, srv.URL, cleanup.URL), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	code, out, took := interrupt(t, syscall.SIGTERM, got, 1, "flow", flow)
	want := regexp.MustCompile(`^FLOW UNKNOWN - step hang: interrupted \(terminated signal received\): ` + regexp.QuoteMeta(srv.Addr) +
		` accepted the request but sent no answer; skipped: next \| time=[0-9.]+s;;;0 hang_time=[0-9.]+s;;;0 logout_time=[0-9.]+s;;;0 logout_size=0B;;;0\n` +
		`\\_ \[UNKNOWN\] step hang: interrupted \(terminated signal received\): [^\n]*\n` +
		`\\_ \[UNKNOWN\] step next: skipped, after step hang failed\n` +
		`\\_ \[OK\] step logout: 200 OK, [0-9.]+ s\n$`)
	if code != 3 || !want.MatchString(out) {
		t.Errorf("exit %d, stdout:\n%s", code, out)
	}
	select {
	case req := <-cleaned:
		if req != "POST /logout" {
			t.Errorf("the cleanup sent %s", req)
		}
	default:
		t.Error("the cleanup step did not run")
	}
	t.Logf("exited %v after the signal", took)
}

// watchSignals takes a signal over only after its grace, and then a
// signal cancels the context with its name as the cause.
func TestWatchSignals(t *testing.T) {
	ctx, ready, stop := watchSignals(context.Background(), time.Hour)
	select {
	case <-ready:
		t.Fatal("signals taken over before the grace")
	default:
	}
	stop()
	if context.Cause(ctx) != context.Canceled { //nolint:errorlint // identity wanted
		t.Errorf("after stop: cause %v", context.Cause(ctx))
	}

	ctx, ready, stop = watchSignals(context.Background(), 0)
	defer stop()
	<-ready
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-ctx.Done()
	if got := context.Cause(ctx).Error(); got != "terminated signal received" {
		t.Errorf("cause %q", got)
	}
}

// A secret file that is a pipe whose writer never writes (a
// --password-file <(...) that hangs) is given up on a signal too.
func TestSignalEndsAFileRead(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "password")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip(err)
	}
	w, err := os.OpenFile(fifo, os.O_RDWR, 0) // a writer that never writes
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	code, out, took := interrupt(t, syscall.SIGTERM, nil, 0, "http", "http://127.0.0.1:1/", "-u", "a", "--password-file", fifo, "-t", "60")
	want := "HTTP UNKNOWN - --password-file: reading " + fifo + ": interrupted (terminated signal received)\n"
	if code != 3 || out != want {
		t.Errorf("exit %d, stdout %q; want exit 3, %q", code, out, want)
	}
	t.Logf("exited %v after the signal", took)
}
