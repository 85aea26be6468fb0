package notify

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"github.com/healthprobe/healthprobe/nagios"
	"github.com/healthprobe/healthprobe/probe"
)

// Test sends a test event (in the given state, OK by default) to every
// active sink, once each and at the same time, and reports each delivery.
// Nothing goes through the outbox and no sequence number is used (seq 0).
func (t *Tracker) Test(ctx context.Context, state string) probe.Result {
	start := time.Now()
	r := probe.Result{Kind: "NOTIFY", Target: plural(len(t.Sinks), "sink")}
	defer func() { r.Duration = time.Since(start) }()
	if len(t.Sinks) == 0 {
		return r.Fail(nagios.Unknown, "no sinks: give --notify URL, --push KIND=URL or --notify-config FILE")
	}
	ctx, cancel := withWindow(ctx)
	defer cancel()
	ev := TestEvent(state, t.Version, t.now())
	type outcome struct {
		d   Delivery
		err error
	}
	outcomes := make([]outcome, len(t.Sinks))
	var wg sync.WaitGroup
	for i, s := range t.Sinks {
		if !s.Active {
			continue
		}
		e := ev
		if s.wantsReport() { // a test result, to the Icinga 2 service the check would report to
			rep := ev.report()
			rep.Host, rep.Service = t.Host, t.Service
			e.Report = &rep
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := s.Send(ctx, e)
			outcomes[i] = outcome{d, err}
		}()
	}
	wg.Wait()
	sent, ok := 0, 0
	for i, s := range t.Sinks {
		o := outcomes[i]
		switch {
		case !s.Active:
			r.Add("sink:"+s.Key, nagios.OK, s.Label+": inactive, not sent")
		case o.err != nil:
			sent++
			r.Add("sink:"+s.Key, nagios.Critical, s.Label+": "+o.err.Error())
		default:
			sent++
			ok++
			r.Add("sink:"+s.Key, nagios.OK, fmt.Sprintf("%s: accepted the test event (%s, %s)", s.Label, o.d.Status, probe.FormatSeconds(o.d.Duration)))
		}
	}
	r.SummaryOr(fmt.Sprintf("%d of %d sinks accepted the test event", ok, sent), fmt.Sprintf("%d of %d sinks accepted the test event", ok, sent))
	return r
}

var checkDirName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9a-f]{64}$`) })

// Flush delivers the outbox of every check under Dir, each under its
// check's lock, and reports what was delivered and what is left: CRITICAL
// when an event could not be delivered, WARNING for events no configured
// sink can take or unreadable entries.
func (t *Tracker) Flush(ctx context.Context) probe.Result {
	start := time.Now()
	r := probe.Result{Kind: "NOTIFY", Target: t.Dir}
	defer func() { r.Duration = time.Since(start) }()
	ctx, cancel := withWindow(ctx)
	defer cancel()
	var dirs []os.DirEntry
	top := filepath.Join(t.Dir, "outbox")
	err := isRealDir(top)
	if err == nil {
		dirs, err = os.ReadDir(top)
	}
	if err != nil && !os.IsNotExist(err) {
		return r.Fail(nagios.Unknown, fmt.Sprintf("reading the outbox: %v", err))
	}
	if len(dirs) > 0 {
		if err := t.checksDir(); err != nil {
			return r.Fail(nagios.Unknown, err.Error())
		}
	}
	delivered, left := 0, 0
	for _, d := range dirs {
		if !checkDirName().MatchString(d.Name()) {
			continue
		}
		statePath, lockPath, outboxDir := t.paths(d.Name())
		if !d.IsDir() {
			if d.Type()&os.ModeSymlink != 0 {
				r.Add("outbox", nagios.Warning, fmt.Sprintf("%s %v: skipped", outboxDir, errSymlink))
			}
			continue
		}
		lock, err := lockFile(ctx, lockPath)
		if err != nil {
			r.Add("outbox", nagios.Warning, err.Error())
			continue
		}
		// events a run queued but could not record are never sent
		if rec, found, err := readRecord(statePath, "", t.now()); found && err == nil {
			if n, _ := scanOutbox(outboxDir, rec); n > 0 {
				r.Add("outbox:"+d.Name()[:12], nagios.OK, fmt.Sprintf("%s: removed %s that a run stopped before it recorded its result had queued", d.Name()[:12], plural(n, "event")))
			}
		}
		entries, bad := readEntries(outboxDir)
		check := d.Name()[:12]
		if len(entries) > 0 {
			check = entries[0].Event.Name
		}
		for _, rep := range t.deliver(ctx, entries) {
			delivered += len(rep.Delivered)
			left += rep.Left
			name := "outbox:" + d.Name()[:12] + ":" + rep.Key
			if len(rep.Delivered) > 0 {
				r.Add(name, nagios.OK, fmt.Sprintf("%s -> %s: delivered %s (%s)", check, rep.Label, plural(len(rep.Delivered), "event"), seqList(rep.Delivered)))
			}
			switch {
			case rep.Missing && rep.Left == 0:
				r.Add(name, nagios.OK, fmt.Sprintf("%s: dropped %s for sink %q, which is not configured or not active", check, plural(rep.Replaced, "undelivered result"), rep.Key))
			case rep.Missing:
				r.Add(name, nagios.Warning, fmt.Sprintf("%s: %s queued for sink %q, which is not configured or not active (in %s)", check, plural(rep.Left, "event"), rep.Key, outboxDir))
			case rep.Left > 0:
				r.Add(name, nagios.Critical, fmt.Sprintf("%s -> %s: %s not delivered (%s)", check, rep.Label, plural(rep.Left, "event"), rep.LastErr))
			}
		}
		for _, b := range bad {
			r.Add("outbox", nagios.Warning, "unreadable outbox entry kept: "+probe.SanitizeLine(b, 200))
		}
		_ = lock.Unlock()
	}
	switch {
	case delivered == 0 && left == 0:
		r.SummaryOr("the outbox is empty")
	case left == 0:
		r.SummaryOr(fmt.Sprintf("delivered %s, none left", plural(delivered, "event")))
	default:
		r.SummaryOr("", fmt.Sprintf("delivered %s, %d left", plural(delivered, "event"), left))
	}
	return r
}
