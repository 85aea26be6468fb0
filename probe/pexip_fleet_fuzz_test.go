package probe

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/healthprobe/healthprobe/nagios"
)

// FuzzPexipFleetPage feeds any body to the page decoder and then, as node,
// alarm and licensing lists, to the rules, line 1 and the jq document:
// never a panic, a state 0-3, one line of summary.
func FuzzPexipFleetPage(f *testing.F) {
	for _, b := range fixtures(f, "../testdata/pexip-fleet/*.json") {
		f.Add(b)
	}
	f.Add([]byte(`{"meta":{"next":"//evil/x","total_count":"9e999"},"objects":[{"name":"a|b\nc","media_load":"NaN","maintenance_mode":1}]}`))
	f.Add([]byte(`{"meta":{},"objects":[{"name":null,"level":"CRITICAL","node":""},{"port_count":5,"port_total":0}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		checkRedacted(t, body)
		p, err := decodePage(body)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("error on two lines: %q", err)
			}
			return
		}
		ff := &fleet{cfg: PexipFleetConfig{MaintenanceState: nagios.Warning, MinNodes: []MinNodes{{"", 1}}}}
		for _, raw := range p.Objects {
			n := &fleetNode{raw: raw}
			if decodeStrict(raw, &n.status) {
				ff.all = append(ff.all, n)
			}
			var a fleetAlarm
			if decodeStrict(raw, &a) {
				ff.alarms = append(ff.alarms, a)
				ff.alarmsRaw = append(ff.alarmsRaw, raw)
			}
			var l fleetLicensing
			if ff.licensing == nil && decodeStrict(raw, &l) {
				ff.licensing, ff.licensingRaw = &l, raw
			}
		}
		labelNodes(ff.all)
		ff.selected = ff.all
		ff.placeAlarms()
		ff.evaluate(time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC))
		var r Result
		ff.report(&r)
		ff.summarise(&r)
		_ = ff.document()
		if r.State < nagios.OK || r.State > nagios.Unknown {
			t.Fatalf("state %d", r.State)
		}
		if strings.ContainsAny(r.Summary, "\n\r") {
			t.Fatalf("summary on two lines: %q", r.Summary)
		}
		for _, pd := range r.Perfdata {
			_ = pd.String()
		}
	})
}

// FuzzParsePexipTime: any text, no panic; a time read back in the API's
// form reads the same.
func FuzzParsePexipTime(f *testing.F) {
	for _, s := range []string{"2025-06-02T08:59:47.895271", "2025-06-02T08:59:47.895271+00:00", "2025-06-02T08:59:47", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ParsePexipTime(s)
		if err != nil {
			return
		}
		back, err := ParsePexipTime(tm.Format("2006-01-02T15:04:05.999999999"))
		if err != nil || !back.Equal(tm) {
			t.Fatalf("%q: %v, read back %v %v", s, tm, back, err)
		}
	})
}

func decodeStrict(raw []byte, v any) bool { return json.Unmarshal(raw, v) == nil }

// checkRedacted: every string under a secret key of a whole JSON answer,
// at any depth, joins the run's redactor (managerIssued), so the -vvv log
// and every other way out mask it.
func checkRedacted(t *testing.T, body []byte) {
	issued := managerIssued(&Exchange{Body: body})
	var v any
	if len(body) > managerScan || json.Unmarshal(body, &v) != nil {
		return // read as far as it goes, or not JSON
	}
	var walk func(v any, secret bool)
	walk = func(v any, secret bool) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				walk(x, secret || secretKey().MatchString(k))
			}
		case []any:
			for _, x := range v {
				walk(x, secret)
			}
		case string:
			if secret && !slices.Contains(issued, v) {
				t.Fatalf("%q is not taken for a secret in %s", v, body)
			}
		}
	}
	walk(v, false)
}
