package sync

import "testing"

func TestParseMinorUnits(t *testing.T) {
	tests := []struct {
		amount, currency string
		want             int64
		wantErr          bool
	}{
		{"8.0", "GBP", 800, false},
		{"150.75", "GBP", 15075, false},
		{"15", "usd", 1500, false},
		{" 0.82 ", " eur ", 82, false},
		{"8.000", "GBP", 800, false},
		{"-3.5", "GBP", -350, false},
		{"-0", "GBP", 0, false},
		{"0.00", "EUR", 0, false},
		{".5", "GBP", 50, false},
		{"5.", "GBP", 500, false},
		{"3500", "JPY", 3500, false},
		{"3500.0", "JPY", 3500, false},
		{"3500.5", "JPY", 0, true},
		{"12.500", "BHD", 12500, false},
		{"0.250", "bhd", 250, false},
		{"1.2345", "KWD", 0, true},
		{"1.2345", "CLF", 12345, false}, // Chile's unit of account: four decimals
		{"2500", "XOF", 2500, false},
		{"1000", "KRW", 1000, false},
		{"9.99", "XYZ", 999, false}, // unknown code: 2 decimals
		{"1.5e1", "GBP", 1500, false},
		{"1E-2", "GBP", 1, false},
		{"1e-3", "GBP", 0, true},
		{"92233720368547758.07", "GBP", 9223372036854775807, false},
		{"92233720368547758.08", "GBP", 0, true},
		{"-92233720368547758.07", "GBP", -9223372036854775807, false},
		{"99999999999999999999", "JPY", 0, true},
		{"1e400", "GBP", 0, true},
		{"0e400", "GBP", 0, false},
		{"1,234.50", "GBP", 0, true},
		{"1 234", "GBP", 0, true},
		{"£8", "GBP", 0, true},
		{"", "GBP", 0, true},
		{".", "GBP", 0, true},
		{"-", "GBP", 0, true},
		{"--1", "GBP", 0, true},
		{"+1", "GBP", 0, true},
		{"1.2.3", "GBP", 0, true},
		{"NaN", "GBP", 0, true},
		{"1e", "GBP", 0, true},
		{"8.0", "", 0, true},
		{"8.0", "GB", 0, true},
		{"8.0", "G1P", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseMinorUnits(tt.amount, tt.currency)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseMinorUnits(%q, %q) = %d, %v; want %d, err %v",
				tt.amount, tt.currency, got, err, tt.want, tt.wantErr)
		}
	}
}
