package probe

import (
	"math"
	"strconv"
	"time"

	"github.com/healthprobe/healthprobe/nagios"
)

// Seconds returns d in seconds rounded to the microsecond, as used in perfdata.
func Seconds(d time.Duration) float64 {
	return math.Round(d.Seconds()*1e6) / 1e6
}

// FormatSeconds renders d for a summary: "0.004 s".
func FormatSeconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) + " s"
}

// TimePerf builds a perfdata item in seconds.
func TimePerf(label string, d time.Duration, th nagios.Thresholds) nagios.Perfdata {
	return nagios.Perfdata{Label: label, Value: Seconds(d), UOM: "s", Warn: th.Warn, Crit: th.Crit, Min: nagios.Float(0)}
}
