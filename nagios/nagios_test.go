package nagios

import (
	"math"
	"testing"
)

func TestParseRangeAlert(t *testing.T) {
	tests := []struct {
		in     string
		alerts []float64
		passes []float64
	}{
		{"10", []float64{-1, 10.5, 11}, []float64{0, 5, 10}},
		{"10:", []float64{9.99, -5}, []float64{10, 1e9}},
		{"~:10", []float64{10.01, 100}, []float64{-1e9, 10}},
		{"10:20", []float64{9, 21}, []float64{10, 15, 20}},
		{"@10:20", []float64{10, 15, 20}, []float64{9.9, 20.1}},
		{":5", []float64{-1, 6}, []float64{0, 5}},
		{"-5:-1", []float64{0, -6}, []float64{-5, -1}},
		{"0.5:1.5", []float64{0.49, 1.51}, []float64{0.5, 1.5}},
		{" 3 ", []float64{4}, []float64{3}},
		{"@~:0", []float64{-1, 0}, []float64{0.1}},
	}
	for _, tt := range tests {
		r, err := ParseRange(tt.in)
		if err != nil {
			t.Fatalf("ParseRange(%q): %v", tt.in, err)
		}
		for _, v := range tt.alerts {
			if !r.Alert(v) {
				t.Errorf("range %q: %v should alert", tt.in, v)
			}
		}
		for _, v := range tt.passes {
			if r.Alert(v) {
				t.Errorf("range %q: %v should not alert", tt.in, v)
			}
		}
		if r.Alert(math.NaN()) != true {
			t.Errorf("range %q: NaN must alert", tt.in)
		}
	}
}

func TestParseRangeErrors(t *testing.T) {
	for _, in := range []string{"", "abc", "20:10", "@", "1:2:3", "~", "1e3", "0x10", "Inf", "NaN", "10:abc", "@:", "--1"} {
		if r, err := ParseRange(in); err == nil {
			t.Errorf("ParseRange(%q) = %+v, want error", in, r)
		}
	}
}

func TestRangeString(t *testing.T) {
	for in, want := range map[string]string{"10": "10", " @1:2": "@1:2", "~:5": "~:5"} {
		r, err := ParseRange(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.String(); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
	built := Range{Start: math.Inf(-1), End: 3}
	if got := built.String(); got != "~:3" {
		t.Errorf("built range String = %q", got)
	}
}

func TestWorst(t *testing.T) {
	tests := []struct {
		in   []State
		want State
	}{
		{nil, OK},
		{[]State{OK, OK}, OK},
		{[]State{OK, Unknown}, Unknown},
		{[]State{Unknown, Warning}, Warning},
		{[]State{Critical, Unknown, Warning}, Critical},
		{[]State{Warning, OK}, Warning},
	}
	for _, tt := range tests {
		if got := Worst(tt.in...); got != tt.want {
			t.Errorf("Worst(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestStateExitCodeAndParse(t *testing.T) {
	for s, code := range map[State]int{OK: 0, Warning: 1, Critical: 2, Unknown: 3, State(7): 3, State(-1): 3} {
		if s.ExitCode() != code {
			t.Errorf("%d.ExitCode() = %d, want %d", s, s.ExitCode(), code)
		}
	}
	for in, want := range map[string]State{"ok": OK, "WARNING": Warning, "crit": Critical, "3": Unknown} {
		got, err := ParseState(in)
		if err != nil || got != want {
			t.Errorf("ParseState(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseState("bad"); err == nil {
		t.Error("ParseState(bad) should fail")
	}
}

func TestPerfdataString(t *testing.T) {
	w, _ := ParseRange("1")
	c, _ := ParseRange("2")
	tests := []struct {
		p    Perfdata
		want string
	}{
		{Perfdata{Label: "time", Value: 0.004123, UOM: "s", Warn: &w, Crit: &c, Min: Float(0), Max: Float(10)}, "time=0.004123s;1;2;0;10"},
		{Perfdata{Label: "size", Value: 208, UOM: "B", Min: Float(0)}, "size=208B;;;0"},
		{Perfdata{Label: "a b", Value: 1}, "'a b'=1"},
		{Perfdata{Label: "it's=x", Value: 1e20}, "it_s_x=100000000000000000000"},
		// no exponent, and no 301 digits either: a jq value of 1e300 is
		// beyond what perfdata writes plainly (the guidelines' U)
		{Perfdata{Label: "huge", Value: 1e300, Min: Float(-1e300), Max: Float(1e21)}, "huge=U"},
		{Perfdata{Label: "big", Value: -1e21, Max: Float(5)}, "big=U;;;;5"},
		{Perfdata{Label: "tiny", Value: 1e-300}, "tiny=0"},
		{Perfdata{Label: "negtiny", Value: -1e-300}, "negtiny=0"},
		{Perfdata{Label: "long", Value: 0.1234567890123456}, "long=0.123456789012"},
		{Perfdata{Label: "nan", Value: math.NaN(), UOM: "bogus"}, "nan=U"},
		{Perfdata{Label: "", Value: 0.0000001}, "value=0.0000001"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
	if (Perfdata{Label: "x", UOM: "kb"}).Validate() == nil {
		t.Error("unit kb should be invalid")
	}
	if (Perfdata{Label: "x'", UOM: "s"}).Validate() == nil {
		t.Error("quote in label should be invalid")
	}
	if err := (Perfdata{Label: "ok label", UOM: "%", Value: 3}).Validate(); err != nil {
		t.Error(err)
	}
}

func TestThresholds(t *testing.T) {
	w, _ := ParseRange("1")
	c, _ := ParseRange("2")
	th := Thresholds{Warn: &w, Crit: &c}
	for v, want := range map[float64]State{0.5: OK, 1.5: Warning, 3: Critical} {
		if got := th.Evaluate(v); got != want {
			t.Errorf("Evaluate(%v) = %v, want %v", v, got, want)
		}
	}
	if (Thresholds{}).Evaluate(100) != OK {
		t.Error("no thresholds must be OK")
	}
}

// TestCrossed: a message says which way a value crossed which threshold;
// -w @0:1 alerts inside its range, and a message must not say outside.
func TestCrossed(t *testing.T) {
	for _, tt := range []struct {
		w, c string
		v    float64
		unit string
		st   State
		want string
	}{
		{"0.5", "2", 0.8, "s", Warning, "above the warning threshold 0.5 s"},
		{"0.5", "2", 3, "s", Critical, "above the critical threshold 2 s"},
		{"@0:1", "", 0.3, "s", Warning, "inside the warning range @0:1"},
		{"10:", "5:", 7, "", Warning, "below the warning threshold 10"},
		{"10:20", "", 25, "%", Warning, "above the warning threshold 20%"},
		{"10:20", "", 5, "%", Warning, "below the warning threshold 10%"},
		{"~:10", "", -3, "", OK, ""},
		{"0.5", "", 0.1, "s", OK, ""},
	} {
		var th Thresholds
		if tt.w != "" {
			r, _ := ParseRange(tt.w)
			th.Warn = &r
		}
		if tt.c != "" {
			r, _ := ParseRange(tt.c)
			th.Crit = &r
		}
		st, why := th.Judge(tt.v, tt.unit)
		if st != tt.st || why != tt.want {
			t.Errorf("-w %s -c %s, %v: %s %q, want %s %q", tt.w, tt.c, tt.v, st, why, tt.st, tt.want)
		}
	}
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"10", "10:", "~:10", "10:20", "@10:20", "", "@", "-1:-0.5", "1e5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRange(s)
		if err != nil {
			return
		}
		if r.Start > r.End {
			t.Fatalf("%q parsed with start > end", s)
		}
		// the rendered form must parse back to the same range
		r2, err := ParseRange(r.String())
		if err != nil {
			t.Fatalf("%q: String() %q does not parse: %v", s, r.String(), err)
		}
		if r2.Start != r.Start || r2.End != r.End || r2.Inside != r.Inside {
			t.Fatalf("%q round trip: %+v != %+v", s, r, r2)
		}
		_ = r.Alert(0)
	})
}
