package web

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

type fansPage struct {
	Q        string
	Consent  string
	Consents []string
	Fans     []fanSummary
	NextURL  string
	CSVURL   string
	// Page counts pages from the first; FirstURL leads back to it. Pages
	// are a keyset, so going back one page is the browser's Back.
	Page     int
	FirstURL string
}

const fansPageSize = 50

// parseFanSearch reads q, consent and the keyset cursor (ak, ai).
func parseFanSearch(c echo.Context) (fanSearch, error) {
	s := fanSearch{Q: c.QueryParam("q"), Consent: c.QueryParam("consent"), AfterKey: c.QueryParam("ak")}
	if s.Consent != "" && !slices.Contains(consentFilters, s.Consent) {
		return s, errStatus(http.StatusBadRequest, "Unknown consent filter")
	}
	if ai := c.QueryParam("ai"); ai != "" {
		id, err := strconv.ParseInt(ai, 10, 64)
		if err != nil || id <= 0 {
			return s, errStatus(http.StatusBadRequest, "Bad page cursor")
		}
		s.AfterID = id
	}
	return s, nil
}

func (a *Admin) showFans(c echo.Context) error {
	s, err := parseFanSearch(c)
	if err != nil {
		return err
	}
	s.Limit = fansPageSize
	ctx := c.Request().Context()
	hits, more, err := searchFans(ctx, a.store.Read, a.store.Dialect, s)
	if err != nil {
		return errInternal("search fans", err)
	}
	fans, err := loadFanSummaries(ctx, a.store.Read, hits)
	if err != nil {
		return errInternal("load fans", err)
	}
	p := fansPage{Q: s.Q, Consent: s.Consent, Consents: consentFilters, Fans: fans}
	q := url.Values{}
	if s.Q != "" {
		q.Set("q", s.Q)
	}
	if s.Consent != "" {
		q.Set("consent", s.Consent)
	}
	p.CSVURL = "/admin/fans.csv?" + q.Encode()
	p.Page = 1
	if n, err := strconv.Atoi(c.QueryParam("page")); err == nil && n > 1 && s.AfterID > 0 {
		p.Page = n
		p.FirstURL = "/admin/fans?" + q.Encode()
	}
	if more {
		last := hits[len(hits)-1]
		q.Set("ai", strconv.FormatInt(last.ID, 10))
		if last.K != "" {
			q.Set("ak", last.K)
		}
		q.Set("page", strconv.Itoa(p.Page+1))
		p.NextURL = "/admin/fans?" + q.Encode()
	}
	return a.render(c, http.StatusOK, "fans.html", "Fans", p)
}

// exportFansCSV streams the whole search as CSV, a page of the keyset at a
// time, so memory stays flat however many fans match.
func (a *Admin) exportFansCSV(c echo.Context) error {
	s, err := parseFanSearch(c)
	if err != nil {
		return err
	}
	s.Limit = 1000
	ctx := c.Request().Context()
	h := c.Response().Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="fans.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	// Columns are only ever added, at the end: scripts read them by place.
	w.Write([]string{"fan_id", "email", "phone", "first_name", "last_name", "marketing_consent",
		"first_seen_at", "last_seen_at", "erased_at", "date_of_birth", "tickets", "events_attended"})
	rows := 0
	for {
		hits, more, err := searchFans(ctx, a.store.Read, a.store.Dialect, s)
		if err != nil {
			a.log.Error().Err(err).Msg("export fans csv")
			break // the header is sent: a cut-short file is all we can do
		}
		fans, err := loadFanSummaries(ctx, a.store.Read, hits)
		if err != nil {
			a.log.Error().Err(err).Msg("export fans csv")
			break
		}
		for _, f := range fans {
			w.Write([]string{strconv.FormatInt(f.ID, 10), csvCell(deref(f.Email)), csvCell(deref(f.Phone)),
				csvCell(deref(f.FirstName)), csvCell(deref(f.LastName)), deref(f.Consent),
				formatTime(f.FirstSeenAt), formatTime(f.LastSeenAt), formatTime(f.ErasedAt),
				csvCell(deref(f.DateOfBirth)), strconv.FormatInt(f.Tickets, 10), strconv.FormatInt(f.EventsAttended, 10)})
		}
		rows += len(fans)
		if !more {
			break
		}
		last := hits[len(hits)-1]
		s.AfterKey, s.AfterID = last.K, last.ID
	}
	w.Flush()
	// The search text can be an email: the audit log keeps only its shape.
	a.audit(c, "", "export csv", "fans", "consent="+s.Consent+" rows="+strconv.Itoa(rows))
	return w.Error()
}

// csvCell defuses formula injection: a spreadsheet runs a cell starting
// with = + - @ as a formula. A phone number's leading + stays.
func csvCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '@', '\t', '\r':
		return "'" + s
	case '+', '-':
		if len(s) > 1 && strings.Trim(s[1:], "0123456789 ") != "" {
			return "'" + s
		}
	}
	return s
}
