package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// audit records an admin action. Targets are ids, never a fan's personal
// data: the log outlives erasures.
func (a *Admin) audit(c echo.Context, username, action, target, detail string) {
	if username == "" {
		if s := currentSession(c); s != nil {
			username = s.Username
		}
	}
	err := a.store.DB.WithContext(c.Request().Context()).Exec(`INSERT INTO audit_log
		(at, username, action, target, detail, remote_addr) VALUES (?, ?, ?, ?, ?, ?)`,
		a.now(), username, action, target, detail, a.clientAddr(c.Request())).Error
	if err != nil {
		a.log.Error().Err(err).Str("action", action).Msg("write audit log")
	}
}

type auditEntry struct {
	ID         int64
	At         time.Time
	Username   string
	Action     string
	Target     string
	Detail     string
	RemoteAddr string
}

type auditPage struct {
	Entries []auditEntry
	Next    int64
}

const auditPageSize = 100

func (a *Admin) showAudit(c echo.Context) error {
	before, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	if before <= 0 {
		before = 1<<63 - 1
	}
	var p auditPage
	err := a.store.Read.WithContext(c.Request().Context()).Raw(`SELECT id, at, username, action, target, detail, remote_addr
		FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?`, before, auditPageSize+1).Scan(&p.Entries).Error
	if err != nil {
		return errInternal("audit log", err)
	}
	if len(p.Entries) > auditPageSize {
		p.Entries = p.Entries[:auditPageSize]
		p.Next = p.Entries[auditPageSize-1].ID
	}
	return a.render(c, http.StatusOK, "audit.html", "Audit log", p)
}
