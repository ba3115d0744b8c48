package web

import (
	"fmt"
	"html"
	"html/template"
	"strings"
)

// barChart is a stacked bar chart drawn on the server as SVG: it needs no
// script, prints, and carries its numbers in each bar's tooltip.
type barChart struct {
	Title  string
	Labels []string // one per bar
	Series []chartSeries
	// LabelEvery shows every n-th x label (default: about 12 labels).
	LabelEvery int
}

type chartSeries struct {
	Name   string
	Values []int64
}

// chartColors are distinguishable, colour-blind-safe (Okabe-Ito).
var chartColors = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"}

const (
	chartW, chartH                     = 960, 260
	padLeft, padRight, padTop, padBott = 48, 12, 12, 44
)

// SVG renders the chart. Every text in it is escaped.
func (ch barChart) SVG() template.HTML {
	n := len(ch.Labels)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`,
		chartW, chartH, html.EscapeString(ch.Title))
	if n == 0 {
		b.WriteString(`</svg>`)
		return template.HTML(b.String())
	}
	totals := make([]int64, n)
	for _, s := range ch.Series {
		for i, v := range s.Values {
			if i < n {
				totals[i] += v
			}
		}
	}
	top := niceMax(maxOf(totals))
	plotW, plotH := float64(chartW-padLeft-padRight), float64(chartH-padTop-padBott)
	slot := plotW / float64(n)
	barW := min(max(slot*0.8, 1), 48)
	y := func(v int64) float64 { return padTop + plotH - float64(v)/float64(top)*plotH }

	for k := int64(0); k <= 4; k++ {
		v := top * k / 4
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#e3e6ea"/>`, padLeft, chartW-padRight, y(v), y(v))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" font-size="11" fill="#555">%d</text>`, padLeft-6, y(v)+4, v)
	}
	every := ch.LabelEvery
	if every <= 0 {
		every = max(1, (n+11)/12)
	}
	for i := 0; i < n; i++ {
		x := float64(padLeft) + float64(i)*slot + (slot-barW)/2
		var base int64
		var tip []string
		for si, s := range ch.Series {
			if i >= len(s.Values) || s.Values[i] == 0 {
				continue
			}
			v := s.Values[i]
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`,
				x, y(base+v), barW, y(base)-y(base+v), chartColors[si%len(chartColors)])
			base += v
			tip = append(tip, fmt.Sprintf("%s: %d", s.Name, v))
		}
		if len(tip) > 0 {
			// A transparent full-height target so the tooltip is easy to hit.
			fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%.1f" fill="transparent"><title>%s — %s</title></rect>`,
				x, padTop, barW, plotH, html.EscapeString(ch.Labels[i]), html.EscapeString(strings.Join(tip, ", ")))
		}
		if i%every == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" font-size="11" fill="#555">%s</text>`,
				x+barW/2, chartH-padBott+16, html.EscapeString(ch.Labels[i]))
		}
	}
	lx := padLeft
	for si, s := range ch.Series {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/>`, lx, chartH-14, chartColors[si%len(chartColors)])
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" fill="#333">%s</text>`, lx+14, chartH-5, html.EscapeString(s.Name))
		lx += 24 + 8*len(s.Name)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func maxOf(vs []int64) int64 {
	var m int64
	for _, v := range vs {
		m = max(m, v)
	}
	return m
}

// niceMax rounds up to 1, 2 or 5 times a power of ten (at least 4), so the
// four grid steps are whole numbers.
func niceMax(v int64) int64 {
	if v <= 4 {
		return 4
	}
	// Four gridlines a round step apart. Steps of 1, 2 and 5 only left the
	// tallest bar of 2,100 under a top of 4,000, and a quieter provider's
	// hours unreadable; these keep it above 3/4 of the height.
	for p := int64(1); ; p *= 10 {
		for _, tenths := range []int64{10, 12, 15, 20, 25, 30, 40, 50, 60, 80} {
			if tenths*p%10 != 0 {
				continue // steps stay whole numbers
			}
			if top := tenths * p / 10 * 4; top >= v {
				return top
			}
		}
	}
}
