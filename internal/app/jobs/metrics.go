package jobs

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// scanDuration is how long site assessments take, from the job's start to
// the stored report or the error (a wait for another scan of the same host
// included); a job that finds its scan done or running elsewhere is not
// counted.
var scanDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
	Name:    "khien_scan_duration_seconds",
	Help:    "Time one site assessment took in a site-scan job, by outcome (ok, error).",
	Buckets: []float64{.5, 1, 2, 5, 10, 20, 30, 45, 60, 90, 120, 300},
}, []string{"outcome"})

// Collectors are the job kinds' own metrics (the bus counts the jobs).
func Collectors() []prometheus.Collector { return []prometheus.Collector{scanDuration} }

// observeScan records one assessment.
func observeScan(start time.Time, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	scanDuration.WithLabelValues(outcome).Observe(time.Since(start).Seconds())
}
