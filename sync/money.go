package sync

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// currencyExponent lists the ISO 4217 currencies whose minor unit is not the
// usual hundredth. Anything else with a three-letter code gets 2: a wrong
// guess for an exotic currency is visible in reports, a rejected ticket is not.
// The list is ISO 4217's, as of its 2024 amendments.
var currencyExponent = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
	"RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
	"CLF": 4, "UYW": 4,
}

// NormalizeCurrency trims and upper-cases an ISO 4217 code; it returns ""
// unless the result is three ASCII letters.
func NormalizeCurrency(currency string) string {
	c := strings.ToUpper(strings.TrimSpace(currency))
	if len(c) != 3 {
		return ""
	}
	for i := 0; i < 3; i++ {
		if c[i] < 'A' || c[i] > 'Z' {
			return ""
		}
	}
	return c
}

// CurrencyExponent is the number of minor-unit digits of a currency.
func CurrencyExponent(currency string) int {
	if e, ok := currencyExponent[currency]; ok {
		return e
	}
	return 2
}

// ParseMinorUnits turns a decimal amount string ("8.0", "150.75", " -3 ",
// "1.5e1") into integer minor units of currency, exactly: floats would turn
// 0.1+0.2 into reporting drift. Extra fraction digits are accepted only when
// they are zeros; thousand separators are rejected because "1,234" is
// ambiguous across locales.
func ParseMinorUnits(amount, currency string) (int64, error) {
	c := NormalizeCurrency(currency)
	if c == "" {
		return 0, fmt.Errorf("amount %q: invalid currency %q", amount, currency)
	}
	v, err := parseDecimal(amount, CurrencyExponent(c))
	if err != nil {
		return 0, fmt.Errorf("amount %q %s: %w", amount, c, err)
	}
	return v, nil
}

var (
	errNotDecimal   = errors.New("not a decimal number")
	errTooPrecise   = errors.New("more fraction digits than the currency has")
	errOutOfRange   = errors.New("out of range")
	maxExponentText = 10000 // bounds the work an absurd "1e999999999" can cause
)

// parseDecimal scales a decimal string by 10^exp and returns it as an
// integer, failing if that leaves a non-zero fraction. With exp 0 it parses
// integers that JSON may spell "3", "3.0" or "3e0".
func parseDecimal(s string, exp int) (int64, error) {
	s = strings.TrimSpace(s)
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	mant, e10, err := splitExponent(s)
	if err != nil {
		return 0, err
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	if intPart == "" && frac == "" {
		return 0, errNotDecimal
	}
	digits := intPart + frac
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, errNotDecimal
		}
	}
	digits = strings.TrimLeft(digits, "0")
	if digits == "" {
		return 0, nil
	}
	// value = digits × 10^(shift)
	shift := exp + e10 - len(frac)
	if shift < 0 {
		cut := len(digits) + shift
		if cut < 0 {
			cut = 0
		}
		if strings.Trim(digits[cut:], "0") != "" {
			return 0, errTooPrecise
		}
		digits, shift = digits[:cut], 0
	}
	if len(digits)+shift > 19 {
		return 0, errOutOfRange
	}
	var n uint64
	for i := 0; i < len(digits)+shift; i++ {
		d := uint64(0)
		if i < len(digits) {
			d = uint64(digits[i] - '0')
		}
		n = n*10 + d // at most 19 digits: fits in uint64
	}
	if n > math.MaxInt64 {
		return 0, errOutOfRange
	}
	if neg {
		return -int64(n), nil
	}
	return int64(n), nil
}

// splitExponent separates "1.5e-3" into "1.5" and -3.
func splitExponent(s string) (string, int, error) {
	i := strings.IndexAny(s, "eE")
	if i < 0 {
		return s, 0, nil
	}
	es := s[i+1:]
	sign := 1
	switch {
	case strings.HasPrefix(es, "+"):
		es = es[1:]
	case strings.HasPrefix(es, "-"):
		sign, es = -1, es[1:]
	}
	if es == "" {
		return "", 0, errNotDecimal
	}
	e := 0
	for j := 0; j < len(es); j++ {
		if es[j] < '0' || es[j] > '9' {
			return "", 0, errNotDecimal
		}
		if e = e*10 + int(es[j]-'0'); e > maxExponentText {
			return "", 0, errOutOfRange
		}
	}
	return s[:i], sign * e, nil
}
