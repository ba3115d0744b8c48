package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

// fanLinks are the fan ids a search page lists, in order.
var fanLink = regexp.MustCompile(`<td><a href="/admin/fans/(\d+)">\d+</a>`)

func listedFans(body string) []string {
	var ids []string
	for _, m := range fanLink.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func search(t *testing.T, h *harness, c *http.Client, q string, extra ...string) []string {
	t.Helper()
	path := "/admin/fans?q=" + url.QueryEscape(q) + strings.Join(extra, "")
	return listedFans(h.page(c, path))
}

func TestFanNameShownAsText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		h := newHarness(t, store)
		id := insertFan(t, store, "xss@example.com", "", "<script>alert(1)</script>", `"><img src=x onerror=alert(2)>`)
		c := h.client()
		h.signIn(c)
		for _, p := range []string{"/admin/fans?q=xss", fmt.Sprintf("/admin/fans/%d", id), fmt.Sprintf("/admin/fans/%d/erase", id)} {
			body := h.page(c, p)
			if strings.Contains(body, "<script>alert(1)") || strings.Contains(body, "<img src=x") {
				t.Errorf("%s: the fan's name is markup", p)
			}
			if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Errorf("%s: the fan's name is not shown as text", p)
			}
		}
	})
}

func TestSearchIsLiteral(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		h := newHarness(t, store)
		quote := insertFan(t, store, "o'brien@example.com", "", "Conan", "O'Brien")
		pct := insertFan(t, store, "100%fan@example.com", "", "Per", "Cent")
		under := insertFan(t, store, "a_b@example.com", "", "Under", "Score")
		insertFan(t, store, "axb@example.com", "", "Axe", "Bee")
		insertFan(t, store, "zed@example.com", "", "Or", "One")
		c := h.client()
		h.signIn(c)
		for _, tc := range []struct {
			q    string
			want []int64
		}{
			{"o'b", []int64{quote}},
			{"O'BRIEN@", []int64{quote}},
			{"o'brien c", []int64{quote}}, // "last first"
			{"100%", []int64{pct}},
			{"%", nil},
			{"a_", []int64{under}},
			{"_", nil},
			{"' OR 1=1--", nil},
			{"' OR '1'='1", nil},
			{`"; DROP TABLE fans; --`, nil},
			{"\\", nil},
		} {
			got := search(t, h, c, tc.q)
			want := make([]string, len(tc.want))
			for i, id := range tc.want {
				want[i] = fmt.Sprint(id)
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("search %q = %v, want %v", tc.q, got, want)
			}
		}
		if n := len(search(t, h, c, "")); n != 5 {
			t.Errorf("empty search lists %d fans, want all 5", n)
		}
	})
}

func TestSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		h := newHarness(t, store)
		ada := insertFan(t, store, "ada@example.com", "+447700900123", "Ada", "Lovelace")
		grace := insertFan(t, store, "grace@navy.mil", "+12025550100", "Grace", "Hopper")
		zoe := insertFan(t, store, "zoe@example.com", "", "Zoë", "Ädler")
		merged := insertFan(t, store, "ada.old@example.com", "", "Ada", "Lovelace")
		chloe := insertFan(t, store, "c@example.com", "", "Chloé", "O’Brien")
		// A row written before names were folded keeps its accents until
		// its profile is next written.
		old := insertFan(t, store, "old@example.com", "", "Renée", "Zoller")
		mustExec(t, store, "UPDATE fans SET search_name = 'renée zoller', search_name_rev = 'zoller renée' WHERE id = ?", old)
		mustExec(t, store, "UPDATE fans SET merged_into = ? WHERE id = ?", ada, merged)
		c := h.client()
		h.signIn(c)
		id := func(ids ...int64) string {
			s := make([]string, len(ids))
			for i, v := range ids {
				s[i] = fmt.Sprint(v)
			}
			return strings.Join(s, ",")
		}
		for _, tc := range []struct{ q, want string }{
			{"ADA", id(ada)}, // email and name match: listed once; merged fan hidden
			{"ada lov", id(ada)},
			{"lovelace a", id(ada)},
			{"  Grace   Hop ", id(grace)},
			{"hopper", id(grace)},
			{"grace@n", id(grace)},
			{"+4477009", id(ada)},
			{"07700 900", id(ada)},
			{"1 202 555", id(grace)},
			{"zoë", id(zoe)},
			{"ÄDLER", id(zoe)},
			{"zoe", id(zoe)},
			{"adler zo", id(zoe)},
			{"chloe", id(chloe)},
			{"Chloé O'B", id(chloe)},
			{"obrien", id(chloe)},
			{"renée", id(old)},
			{"0044 7700 900123", id(ada)},
			{"+44 (0)7700 900123", id(ada)},
			{"7700 900123", id(ada)},
			{"nobody", ""},
		} {
			if got := strings.Join(search(t, h, c, tc.q), ","); got != tc.want {
				t.Errorf("search %q = %s, want %s", tc.q, got, tc.want)
			}
		}
		// Consent filter: the newest marketing change wins.
		now := time.Now().UTC()
		mustExec(t, store, `INSERT INTO consent_changes (fan_id, topic, status, provider, source, changed_at)
			VALUES (?, 'marketing', 'opt_in', 'fixr', 'test', ?), (?, 'marketing', 'opt_out', 'fixr', 'test', ?),
			(?, 'marketing', 'opt_out', 'fixr', 'test', ?)`, ada, now.Add(-time.Hour), ada, now, grace, now.Add(-time.Hour))
		mustExec(t, store, `INSERT INTO consent_changes (fan_id, topic, status, provider, source, changed_at)
			VALUES (?, 'marketing', 'opt_in', 'fixr', 'test', ?)`, grace, now)
		if got := strings.Join(search(t, h, c, "", "&consent=opt_in"), ","); got != id(grace) {
			t.Errorf("consent=opt_in: %s, want %s", got, id(grace))
		}
		if got := strings.Join(search(t, h, c, "", "&consent=opt_out"), ","); got != id(ada) {
			t.Errorf("consent=opt_out: %s, want %s", got, id(ada))
		}
		if got := strings.Join(search(t, h, c, "", "&consent=none"), ","); got != id(old, chloe, zoe) {
			t.Errorf("consent=none: %s, want %s", got, id(old, chloe, zoe))
		}
		if res := h.get(c, "/admin/fans?consent=maybe"); res.StatusCode != http.StatusBadRequest {
			t.Errorf("unknown consent filter: %d, want 400", res.StatusCode)
		}

		// The CSV is the search.
		res := h.get(c, "/admin/fans.csv?q=a&consent=opt_out")
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("CSV content type %q", ct)
		}
		rows, err := csv.NewReader(strings.NewReader(readBody(res))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0][0] != "fan_id" || rows[1][1] != "ada@example.com" || rows[1][5] != "opt_out" {
			t.Errorf("CSV = %v", rows)
		}

		// An erased fan has no consent left to count.
		mustExec(t, store, "UPDATE fans SET email = NULL, first_name = NULL, last_name = NULL, erased_at = ? WHERE id = ?", now, grace)
		if got := strings.Join(search(t, h, c, "", "&consent=opt_in"), ","); got != "" {
			t.Errorf("consent=opt_in after grace's erasure: %s, want none", got)
		}
		if got := strings.Join(search(t, h, c, "", "&consent=none"), ","); got != id(old, chloe, zoe, grace) {
			t.Errorf("consent=none after grace's erasure: %s, want %s", got, id(old, chloe, zoe, grace))
		}
	})
}

func TestSearchPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, store *models.Store) {
		h := newHarness(t, store)
		const n = 2*fansPageSize + 7
		for i := 0; i < n; i++ {
			insertFan(t, store, fmt.Sprintf("pager%03d@example.com", i), "", "Pager", fmt.Sprintf("N%03d", i))
		}
		insertFan(t, store, "other@example.com", "", "Other", "Person")
		c := h.client()
		h.signIn(c)
		for _, q := range []string{"pager", ""} {
			seen := map[string]bool{}
			path := "/admin/fans?q=" + q
			for pages := 0; path != ""; pages++ {
				if pages > 5 {
					t.Fatal("paging does not end")
				}
				body := h.page(c, path)
				for _, id := range listedFans(body) {
					if seen[id] {
						t.Errorf("q=%q: fan %s listed twice", q, id)
					}
					seen[id] = true
				}
				// Each page says which it is, and past the first leads back to it.
				if !strings.Contains(body, fmt.Sprintf("Page %d", pages+1)) ||
					strings.Contains(body, `rel="first"`) != (pages > 0) {
					t.Errorf("q=%q, page %d: pager %q", q, pages+1, regexp.MustCompile(`<p class="pager">.*</p>`).FindString(body))
				}
				path = ""
				if m := regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindStringSubmatch(body); m != nil {
					path = html.UnescapeString(m[1])
				}
			}
			want := n
			if q == "" {
				want = n + 1
			}
			if len(seen) != want {
				t.Errorf("q=%q: paging listed %d fans, want %d", q, len(seen), want)
			}
		}
		// The CSV streams every match, past a page.
		rows, _ := csv.NewReader(strings.NewReader(readBody(h.get(c, "/admin/fans.csv?q=pager")))).ReadAll()
		if len(rows) != n+1 {
			t.Errorf("CSV has %d rows, want %d", len(rows), n+1)
		}
		if want := []string{"date_of_birth", "tickets", "events_attended"}; len(rows) == 0 || !slices.Equal(rows[0][9:], want) ||
			rows[1][10] != "0" {
			t.Errorf("CSV columns %v, first row %v: want %v appended", rows[0], rows[1], want)
		}
	})
}

func TestPrefixEnd(t *testing.T) {
	for in, want := range map[string]string{"abc": "abd", "a": "b", "zoë": "zoì", "": "", "a\U0010FFFF": "b", "\uD7FF": "\uE000"} {
		if got := prefixEnd(in); got != want {
			t.Errorf("prefixEnd(%q) = %q, want %q", in, got, want)
		}
	}
}

func mustExec(t testing.TB, store *models.Store, q string, args ...any) {
	t.Helper()
	if err := store.DB.WithContext(context.Background()).Exec(q, args...).Error; err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
