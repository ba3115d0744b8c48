package web

import "testing"

func TestFormatMoney(t *testing.T) {
	for _, tc := range []struct {
		minor    int64
		currency string
		want     string
	}{
		{2400, "GBP", "24.00 GBP"},
		{5, "EUR", "0.05 EUR"},
		{-82, "GBP", "-0.82 GBP"},
		{7000, "JPY", "7000 JPY"},
		{7125, "BHD", "7.125 BHD"},
		{0, "", "—"}, // Tikkl orders: tickets counted, no price known
	} {
		if got := formatMoney(tc.minor, tc.currency); got != tc.want {
			t.Errorf("formatMoney(%d, %q) = %q, want %q", tc.minor, tc.currency, got, tc.want)
		}
	}
}
