package sync

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Benchmarks of the pure parsing and normalization the worker runs on every
// delivery, over each provider's main documented payload (testdata), sent
// compact as providers do. They touch no database; BenchmarkNormalize and
// BenchmarkNormalizeAtScale (bench_test.go) cover the store.
//
//	go test -run '^$' -bench '^Benchmark(Parse|DecodeObject|DeliveryKey|NormalizeEmail|NormalizePhone)' ./sync

// benchMainPayloads is each provider's main payload, in a fixed order.
var benchMainPayloads = []struct{ provider, name string }{
	{ProviderFIXR, "ticket_sold"},
	{ProviderTikkl, "transaction"},
	{ProviderTradableBits, "submit_form"},
	{ProviderVibes, "person_added"},
}

var benchReceivedAt = time.Date(2025, 6, 22, 14, 45, 31, 0, time.UTC)

// benchBody reads testdata/<provider>/<name>.json, compacted.
func benchBody(b *testing.B, provider, name string) []byte {
	b.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", provider, name+".json"))
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// Sinks keep the compiler from discarding the benchmarked calls.
var (
	benchSinkFacts Facts
	benchSinkStr   string
	benchSinkInt   int64
	benchSinkTime  time.Time
)

func BenchmarkParseDelivery(b *testing.B) {
	for _, p := range benchMainPayloads {
		b.Run(p.provider, func(b *testing.B) {
			body := benchBody(b, p.provider, p.name)
			if _, err := ParseDelivery(p.provider, body, benchReceivedAt); err != nil {
				b.Fatalf("%s/%s: %v", p.provider, p.name, err)
			}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				f, err := ParseDelivery(p.provider, body, benchReceivedAt)
				if err != nil {
					b.Fatal(err)
				}
				benchSinkFacts = f
			}
		})
	}
}

// BenchmarkDecodeObject compares decodeTree with encoding/json, which
// decodeObject used alone before, on each provider's main payload.
func BenchmarkDecodeObject(b *testing.B) {
	decoders := []struct {
		name   string
		decode func([]byte) (object, error)
	}{{"tree", decodeObject}, {"encoding_json", decodeObjectStd}}
	for _, p := range benchMainPayloads {
		body := benchBody(b, p.provider, p.name)
		if _, ok := decodeTree(body); !ok {
			b.Fatalf("%s/%s: decodeTree declined", p.provider, p.name)
		}
		for _, d := range decoders {
			b.Run(p.provider+"/"+d.name, func(b *testing.B) {
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := d.decode(body); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkDeliveryKey(b *testing.B) {
	for _, p := range benchMainPayloads {
		b.Run(p.provider, func(b *testing.B) {
			body := benchBody(b, p.provider, p.name)
			if _, key := DeliveryKey(p.provider, body); key == "" {
				b.Fatalf("%s/%s: empty dedup key", p.provider, p.name)
			}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				_, benchSinkStr = DeliveryKey(p.provider, body)
			}
		})
	}
}

func BenchmarkParseMinorUnits(b *testing.B) {
	cases := []struct{ name, amount, currency string }{
		{"GBP_8.0", "8.0", "GBP"},
		{"GBP_0.82", "0.82", "GBP"},
		{"JPY_1500", "1500", "JPY"},
		{"BHD_12.345", "12.345", "BHD"},
		{"EUR_exponent_1.5e1", "1.5e1", "eur"},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			if _, err := ParseMinorUnits(tc.amount, tc.currency); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				v, err := ParseMinorUnits(tc.amount, tc.currency)
				if err != nil {
					b.Fatal(err)
				}
				benchSinkInt = v
			}
		})
	}
}

func BenchmarkParseTime(b *testing.B) {
	cases := []struct{ name, in string }{
		{"fixr_UTC_suffix", "2023-09-20T10:57:14UTC"},
		{"vibes_minutes_Z", "2017-01-01T00:00Z"},
		{"rfc3339_fraction_offset", "2025-06-22T14:45:30.123+02:00"},
		{"rfc3339_Z", "2025-06-22T14:45:30Z"},
		{"naive_space", "2025-06-22 14:45:30"},
		{"bare_date", "1991-05-11"},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			if _, err := ParseTime(tc.in); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t, err := ParseTime(tc.in)
				if err != nil {
					b.Fatal(err)
				}
				benchSinkTime = t
			}
		})
	}
}

func BenchmarkNormalizeEmail(b *testing.B) {
	cases := []struct{ name, in string }{
		{"ascii_lower", "ron.weasley@hogwarts.co"},
		{"mixed_case_padded", " Jordan.Lee@Example.com"},
		{"unicode_nfd", "Zoe\u0301.Mu\u0308ller@Example.de"},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			if NormalizeEmail(tc.in) == "" {
				b.Fatalf("%q rejected", tc.in)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				benchSinkStr = NormalizeEmail(tc.in)
			}
		})
	}
}

func BenchmarkNormalizePhone(b *testing.B) {
	cases := []struct{ name, in, region string }{
		{"e164_GB", "+447700900123", ""},
		{"national_GB", "07700 900123", "GB"},
		{"vibes_mdn_US", "14088881234", "US"},
		{"formatted_US", "(408) 888-1234", "US"},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			if NormalizePhone(tc.in, tc.region) == "" {
				b.Fatalf("%q (%s) rejected", tc.in, tc.region)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				benchSinkStr = NormalizePhone(tc.in, tc.region)
			}
		})
	}
}
