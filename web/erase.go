package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/fanhook/fanhook/sync"
)

// confirmErase is the step before erasure: it says what will go, and the
// form it shows is the only way to post the erasure with its CSRF token.
func (a *Admin) confirmErase(c echo.Context) error {
	id, err := fanID(c)
	if err != nil {
		return err
	}
	f, err := loadFan(c.Request().Context(), a.store.Read, id)
	if err != nil {
		return err
	}
	if f.MergedInto != nil {
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/admin/fans/%d/erase", *f.MergedInto))
	}
	return a.render(c, http.StatusOK, "erase.html", "Erase fan #"+strconv.FormatInt(id, 10), f)
}

// eraseFan erases the fan. The fan page links only to the confirmation
// page, whose form (with the CSRF token) posts here.
func (a *Admin) eraseFan(c echo.Context) error {
	id, err := fanID(c)
	if err != nil {
		return err
	}
	err = sync.EraseFan(c.Request().Context(), a.store, id, a.now())
	if errors.Is(err, sync.ErrFanNotFound) {
		return errStatus(http.StatusNotFound, "No such fan")
	}
	if err != nil {
		return errInternal("erase fan", err)
	}
	a.audit(c, "", "erase", "fan "+strconv.FormatInt(id, 10), "")
	return redirectFlash(c, fmt.Sprintf("/admin/fans/%d", id), fmt.Sprintf("Fan #%d erased.", id))
}
