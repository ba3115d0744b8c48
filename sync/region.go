package sync

import (
	"strings"
	gosync "sync"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// Forms name the fan's country in words as often as by code ("Canada",
// "United Kingdom"), and a national phone number means nothing without
// it: "(604) 555-0135" read as British became +446045550135. So a
// country's English name, or a common other name, gives its region.

// countryAliases are names and codes people write that are not the
// region's English display name or ISO code ("UK" for GB).
var countryAliases = map[string]string{
	"uk": "GB", "great britain": "GB", "britain": "GB", "england": "GB", "scotland": "GB",
	"wales": "GB", "northern ireland": "GB", "usa": "US", "u.s.a.": "US", "u.s.": "US",
	"united states of america": "US", "america": "US", "holland": "NL", "the netherlands": "NL",
	"republic of ireland": "IE", "eire": "IE",
}

var regionNames = gosync.OnceValue(func() map[string]string {
	names := map[string]string{}
	english := display.English.Regions()
	for code := range phonenumbers.GetSupportedRegions() {
		region, err := language.ParseRegion(code)
		if err != nil {
			continue
		}
		if name := english.Name(region); name != "" {
			names[strings.ToLower(name)] = code
		}
	}
	return names
})

// regionOf returns the phone region of a country given by ISO code or by
// name, or "" when it is not one.
func regionOf(country string) string {
	c := strings.ToLower(strings.TrimSpace(country))
	if code, ok := countryAliases[c]; ok {
		return code
	}
	if len(c) == 2 {
		code := strings.ToUpper(c)
		if phonenumbers.GetCountryCodeForRegion(code) != 0 {
			return code
		}
		return ""
	}
	return regionNames()[c]
}
