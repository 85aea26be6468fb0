package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/healthprobe/healthprobe/internal/limitfile"
	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/notify"
	"github.com/healthprobe/healthprobe/probe"
)

func newNotifyCmd(f *globalFlags, rs *runState) *cobra.Command {
	ce := rs.commandEnv(f)
	cmd := &cobra.Command{
		Use:   "notify",
		Short: "Test the notification sinks, deliver the outbox, verify a WMSPanel payload",
		Long: `A check given --notify URL or --notify-config FILE (or any state flag) keeps its
state in --state-dir and notifies the sinks when its hard state changes: see
docs/notify.md. These commands work on those sinks and that outbox.`,
		Annotations: map[string]string{"kind": "NOTIFY"},
		Args:        cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_ = cmd.Help()
			return errShownHelp
		},
	}
	cmd.AddCommand(newNotifyTestCmd(ce), newNotifyFlushCmd(ce), newNotifyVerifyCmd(ce))
	return cmd
}

func newNotifyTestCmd(ce *checkEnv) *cobra.Command {
	state := nagios.OK
	cmd := &cobra.Command{
		Use:   "test",
		Short: "Send a test event to every sink and report each delivery",
		Example: `  healthprobe notify test --notify https://hooks.example.com/healthprobe
  healthprobe notify test --notify-config /etc/healthprobe/notify.yaml --state critical`,
		Annotations: map[string]string{"kind": "NOTIFY"},
		Args:        exactArgs(0, ""),
		RunE: func(cmd *cobra.Command, _ []string) error {
			sinks, _, err := ce.sinks()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), ce.timeout)
			defer cancel()
			tr := &notify.Tracker{Sinks: sinks, Version: shortVersion(), Host: ce.notify.icingaHost, Service: ce.notify.icingaService, Redactor: ce.run.redactor}
			return ce.render(tr.Test(ctx, state.String()))
		},
	}
	addState(cmd.Flags(), &state, "state", "state of the test event")
	addGlobalFlags(cmd.Flags(), ce.globalFlags, withDeadline|withOutput|withSinks)
	return cmd
}

func newNotifyFlushCmd(ce *checkEnv) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "flush",
		Short: "Deliver the events waiting in the outbox of --state-dir",
		Long: `flush delivers every event waiting in the outbox, oldest first, retrying with
back-off until --timeout. Give the same --notify or --notify-config as the
checks: the requests (and their credentials) are made from it. It exits 0
when the outbox is empty, 2 when an event could not be delivered, 1 when
events wait for a sink that is not configured.`,
		Example:     `  healthprobe notify flush --notify-config /etc/healthprobe/notify.yaml -t 60`,
		Annotations: map[string]string{"kind": "NOTIFY"},
		Args:        exactArgs(0, ""),
		RunE: func(cmd *cobra.Command, _ []string) error {
			tr, err := ce.tracker(cmd.Flags().Changed("attempts"))
			if err != nil {
				return err
			}
			if tr == nil || len(tr.Sinks) == 0 {
				return errors.New("no sinks: give the --notify, --push or --notify-config the checks use")
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), ce.timeout)
			defer cancel()
			return ce.render(tr.Flush(ctx))
		},
	}
	addGlobalFlags(cmd.Flags(), ce.globalFlags, withDeadline|withOutput|withState|withSinks)
	return cmd
}

// maxPayload caps what notify verify reads from stdin.
const maxPayload = 1 << 20

func newNotifyVerifyCmd(ce *checkEnv) *cobra.Command {
	var token secretFlags
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check the digest of a WMSPanel-style payload read from stdin",
		Long: `verify reads a payload such as
{"time":"2014-10-16 03:13:31 UTC","digest":"...","server":"edge1.example.com","status":"offline"}
from stdin and checks digest = hex(MD5(time + token)) in constant time.
It exits 0 when the digest is valid, 2 when it is not, 3 when the input is not
such a payload.`,
		Example:     `  healthprobe notify verify --token-env WMSPANEL_TOKEN < payload.json`,
		Annotations: map[string]string{"kind": "NOTIFY"},
		Args:        exactArgs(0, ""),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !token.given() {
				return errors.New("give the token with --token, --token-env or --token-file")
			}
			tok, err := token.resolve(ce)
			if err != nil {
				return err
			}
			// stdin under the run's deadline: a terminal or a silent pipe
			// does not hold the run
			ctx, cancel := context.WithTimeout(cmd.Context(), ce.timeout)
			defer cancel()
			body, err := limitfile.ReadStream(ctx, "stdin", ce.run.stdin, maxPayload)
			if err != nil {
				return err
			}
			return ce.render(verifyResult(body, tok))
		},
	}
	addSecretFlags(cmd.Flags(), &token, "token", "WMSPanel token", true)
	addGlobalFlags(cmd.Flags(), ce.globalFlags, withTimeout|withOutput) // stdin is read under -t
	return cmd
}

func verifyResult(body []byte, token string) probe.Result {
	start := time.Now()
	r := probe.Result{Kind: "NOTIFY", Target: "stdin"}
	defer func() { r.Duration = time.Since(start) }()
	if len(body) > maxPayload {
		return r.Fail(nagios.Unknown, "malformed payload: larger than 1 MiB")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return r.Fail(nagios.Unknown, "nothing on stdin: give the payload there (healthprobe notify verify --token-env VAR < payload.json)")
	}
	p, err := notify.VerifyWMSPanel(body, token)
	switch {
	case errors.Is(err, notify.ErrDigestMismatch):
		return r.Fail(nagios.Critical, fmt.Sprintf("digest does not match: the payload for %s at %s was not signed with this token",
			probe.SanitizeLine(p.Server, 80), probe.SanitizeLine(p.Time, 40)))
	case err != nil:
		return r.Fail(nagios.Unknown, probe.SanitizeLine(err.Error(), 200))
	}
	r.Add("digest", nagios.OK, fmt.Sprintf("valid digest: %s %s at %s", probe.SanitizeLine(p.Server, 80),
		probe.SanitizeLine(p.Status, 20), probe.SanitizeLine(p.Time, 40)))
	r.SummaryOr(r.Details[0].Text)
	return r
}

// render prints a result of the notify commands (which keep no state) and
// records the exit code.
func (ce *checkEnv) render(res probe.Result) error {
	opts, err := ce.outputOptions()
	if err != nil {
		return err
	}
	return ce.run.write(res, opts)
}
