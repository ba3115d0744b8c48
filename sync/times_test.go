package sync

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"2023-09-20T10:57:14UTC", utc(2023, 9, 20, 10, 57, 14, 0), false},
		{"2023-09-20T10:57:14 UTC", utc(2023, 9, 20, 10, 57, 14, 0), false},
		{"2023-08-25T16:58:00Z", utc(2023, 8, 25, 16, 58, 0, 0), false},
		{"2023-08-25T16:58:00.123456Z", utc(2023, 8, 25, 16, 58, 0, 123456000), false},
		{"2023-08-25T17:58:00+01:00", utc(2023, 8, 25, 16, 58, 0, 0), false},
		{"2023-08-25T11:58:00-05:00", utc(2023, 8, 25, 16, 58, 0, 0), false},
		{"2023-08-25T17:58:00+0100", utc(2023, 8, 25, 16, 58, 0, 0), false},
		{"2017-01-01T00:00Z", utc(2017, 1, 1, 0, 0, 0, 0), false},
		{"2017-01-01T02:00+02:00", utc(2017, 1, 1, 0, 0, 0, 0), false},
		{"2023-09-20T10:57:14", utc(2023, 9, 20, 10, 57, 14, 0), false},
		{"2023-09-20 10:57:14", utc(2023, 9, 20, 10, 57, 14, 0), false},
		{"2023-09-20 10:57:14.5", utc(2023, 9, 20, 10, 57, 14, 500000000), false},
		{"2023-09-20T10:57", utc(2023, 9, 20, 10, 57, 0, 0), false},
		{"2023-09-20", utc(2023, 9, 20, 0, 0, 0, 0), false},
		{" 2023-09-20t10:57:14z ", utc(2023, 9, 20, 10, 57, 14, 0), false},
		{"", time.Time{}, true},
		{"yesterday", time.Time{}, true},
		{"2023-13-01", time.Time{}, true},
		{"2023-02-30T00:00:00Z", time.Time{}, true},
		{"20/09/2023 10:57", time.Time{}, true},
		{"1695207434", time.Time{}, true},
		{"2023-09-20T10:57:14+01:00UTC", time.Time{}, true},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in)
		if (err != nil) != tt.wantErr || !got.Equal(tt.want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v, err %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err == nil && got.Location() != time.UTC {
			t.Errorf("ParseTime(%q) location %v, want UTC", tt.in, got.Location())
		}
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{"1991-05-11", "1991-05-11", false},
		{"11/05/1991", "1991-05-11", false},
		{"1/5/1991", "1991-05-01", false},
		{"11.05.1991", "1991-05-11", false},
		{"1991/05/11", "1991-05-11", false},
		{"1991-05-11T00:00:00+02:00", "1991-05-11", false},
		{"1991-05-11T23:30:00-05:00", "1991-05-11", false},
		{"1991-05-11T10:00:00UTC", "1991-05-11", false},
		{" 1991-05-11 ", "1991-05-11", false},
		{"05/13/1991", "1991-05-13", false}, // can only be month first
		{"13/13/1991", "", true},
		{"1991-02-30", "", true},
		{"not-a-date", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseDate(%q) = %q, %v; want %q, err %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseDateMonthFirst(t *testing.T) {
	for in, want := range map[string]string{
		"08/09/1988": "1988-08-09", "8/9/1988": "1988-08-09", "25/12/1990": "1990-12-25", // not a month: day first
		"1988-08-09": "1988-08-09", "05/13/1991": "1991-05-13",
	} {
		if got, err := ParseDateMonthFirst(in); err != nil || got != want {
			t.Errorf("ParseDateMonthFirst(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
