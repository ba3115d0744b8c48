package handlers

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fanhook/fanhook/models"
	fansync "github.com/fanhook/fanhook/sync"
)

// acceptTimeout bounds the commit, so every webhook is answered within the
// contract's 10 s even when the store hangs.
const acceptTimeout = 8 * time.Second

// retryAfterSeconds is what a 503 asks the provider to wait.
const retryAfterSeconds = 5

// Inbox durably stores raw deliveries (sync.Inbox): Accept returns once d is
// committed, with its id or, for a duplicate, the id stored before.
type Inbox interface {
	Accept(ctx context.Context, d *models.Delivery) (id int64, duplicate bool, err error)
}

type webhooks struct {
	secrets Secrets
	inbox   Inbox
	metrics *Metrics
}

type ingestResponse struct {
	Status     string `json:"status"`
	DeliveryID int64  `json:"delivery_id"`
}

// ingestDelivery serves POST /webhooks/:provider. The order matters: the
// body is read under its limit before anything else touches it, then
// authenticated over the raw bytes, and only an authenticated caller learns
// whether its JSON was acceptable.
func (h *webhooks) ingestDelivery(c echo.Context) error {
	provider := c.Param("provider")
	auth, err := lookupProvider(provider, &h.secrets)
	if err != nil {
		return renderError(c, err)
	}
	body, err := readBody(c, h.secrets.maxBodyBytes())
	if err != nil {
		return renderError(c, err)
	}
	form, err := auth.authenticate(c.Request(), body, &h.secrets)
	if err != nil {
		return renderError(c, err)
	}
	if provider == models.ProviderTikkl {
		h.metrics.TikklSignatureForm(form)
	}
	// A byte order mark is no part of the JSON (RFC 8259 lets a parser
	// ignore it); some senders' libraries write one. It is signed with the
	// body, so it goes only after authentication.
	body = bytes.TrimPrefix(body, utf8BOM)
	if err := validateJSONObject(body); err != nil {
		return renderError(c, err)
	}

	d := &models.Delivery{
		Provider:   provider,
		Body:       body,
		Headers:    storedHeaders(c.Request().Header, &h.secrets),
		ReceivedAt: time.Now().UTC(),
	}
	fansync.PrepareValidDelivery(d) // validateJSONObject has checked the body
	ctx, cancel := context.WithTimeout(c.Request().Context(), acceptTimeout)
	defer cancel()
	id, duplicate, err := h.inbox.Accept(ctx, d)
	if err != nil {
		return renderError(c, acceptError(err))
	}

	res := ingestResponse{Status: "accepted", DeliveryID: id}
	if duplicate {
		res.Status = "duplicate"
	} else {
		h.metrics.DeliveryStored(provider)
	}
	log := Logger(c.Request().Context())
	log.Info().Str("provider", provider).Int64("delivery_id", id).
		Bool("duplicate", duplicate).Msg("delivery stored")
	return c.JSON(http.StatusOK, res)
}

// acceptError maps a failed commit: the store being unavailable or slow is a
// 503 the provider should retry; anything else is a bug (500).
func acceptError(err error) error {
	if errors.Is(err, fansync.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, context.Canceled) {
		e := newError(http.StatusServiceUnavailable, "the delivery could not be stored now; retry later", err)
		e.RetryAfter = retryAfterSeconds
		return e
	}
	return newError(http.StatusInternalServerError, "internal error", err)
}
