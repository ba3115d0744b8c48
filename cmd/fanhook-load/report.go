package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

func printText(w io.Writer, cfg config, rep report) {
	var mix []string
	for i, n := range cfg.spec.weights {
		if n > 0 {
			mix = append(mix, fmt.Sprintf("%s=%d", providerNames[i], n))
		}
	}
	fmt.Fprintf(w, "fanhook-load  seed %d  mix %s  %d fans  %d events\n", rep.Seed,
		strings.Join(mix, ","), cfg.fans, cfg.events)
	for _, s := range []*summary{rep.Ceiling, rep.Target} {
		if s != nil {
			fmt.Fprintln(w)
			printSummary(w, s)
		}
	}
	if rep.Error != "" {
		fmt.Fprintf(w, "\ntarget   %s  not run: %s\n", cfg.spec.baseURL, rep.Error)
	}
	if rep.Ratio != nil {
		fmt.Fprintf(w, "\nratio        %.4f  (target ok/s ÷ ceiling ok/s)\n", *rep.Ratio)
	}
}

func printSummary(w io.Writer, s *summary) {
	mode := fmt.Sprintf("closed loop, %d workers", s.Workers)
	if s.Mode == "open" {
		mode = fmt.Sprintf("open loop at %g req/s, up to %d in flight", s.Rate, s.Workers)
	}
	fmt.Fprintf(w, "%-8s %s  (%s, %.2fs)\n", s.Name, s.URL, mode, s.Elapsed)
	fmt.Fprintf(w, "  requests   %d sent  %d ok (%d accepted, %d duplicate", s.Sent, s.OK,
		s.Accepted, s.Duplicate)
	if s.OtherOK > 0 {
		fmt.Fprintf(w, ", %d other body", s.OtherOK)
	}
	fmt.Fprintf(w, ")  %d failed (%.2f%%)\n", s.Failed, s.FailedPct)
	if len(s.Status) > 0 {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(s.Status)) {
			parts = append(parts, fmt.Sprintf("%s: %d", k, s.Status[k]))
		}
		fmt.Fprintf(w, "  status     %s\n", strings.Join(parts, "  "))
	}
	for _, k := range slices.Sorted(maps.Keys(s.Samples)) {
		fmt.Fprintf(w, "  e.g. %s   %s\n", k, s.Samples[k])
	}
	if s.Errors > 0 {
		fmt.Fprintf(w, "  transport  %d errors\n", s.Errors)
		for _, k := range slices.Sorted(maps.Keys(s.ErrorKinds)) {
			fmt.Fprintf(w, "    %7d × %s\n", s.ErrorKinds[k], k)
		}
	}
	if s.Missed > 0 {
		fmt.Fprintf(w, "  behind     %d scheduled requests never sent (target or pool too slow for --rate)\n", s.Missed)
	}
	fmt.Fprintf(w, "  throughput %.1f req/s  (%.1f ok/s)\n", s.RPS, s.OKRPS)
	l := s.Latency
	fmt.Fprintf(w, "  latency ms p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  mean %.3f\n",
		l.P50, l.P90, l.P99, l.P999, l.Max, l.Mean)
	var parts []string
	for _, name := range providerNames {
		if p, ok := s.Providers[name]; ok {
			parts = append(parts, fmt.Sprintf("%s %d/%d", name, p.OK, p.Sent))
		}
	}
	fmt.Fprintf(w, "  providers  %s  (ok/sent)\n", strings.Join(parts, "  "))
}
