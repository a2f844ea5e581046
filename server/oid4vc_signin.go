package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/diplomat-edu/diplomat/openid4vc/vci"
)

// hookSender delivers sign-in codes through the registrar's channel: a
// command (the contact as its last argument, the code on standard input,
// so that it shows in no process list) or a webhook (POST
// {"contact":…,"code":…} as JSON, 2xx expected). Each delivery is bounded
// by the configured timeout; the code is never logged.
type hookSender struct {
	cfg SignInConfig
	log *slog.Logger
}

var _ vci.SignInSender = (*hookSender)(nil)

func (h *hookSender) SendSignInCode(ctx context.Context, contact, code string) error {
	ctx, cancel := context.WithTimeout(ctx, h.cfg.Timeout)
	defer cancel()
	if len(h.cfg.Command) > 0 {
		args := append(append([]string(nil), h.cfg.Command[1:]...), contact)
		cmd := exec.CommandContext(ctx, h.cfg.Command[0], args...)
		cmd.Stdin = strings.NewReader(code + "\n")
		var stderr bytes.Buffer
		cmd.Stderr = &limitedBuffer{b: &stderr, n: 1024}
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("sign-in code command %s: %v: %s", h.cfg.Command[0], err, strings.TrimSpace(stderr.String()))
		}
		return nil
	}
	body, _ := json.Marshal(map[string]string{"contact": contact, "code": code})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.cfg.Webhook, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("sign-in code webhook: %v", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("sign-in code webhook answered %s", resp.Status)
	}
	return nil
}

// limitedBuffer keeps the first n bytes written to it.
type limitedBuffer struct {
	b *bytes.Buffer
	n int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.n - l.b.Len(); room > 0 {
		l.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// devOutbox is a development instance's channel: it logs each code and
// keeps the last few for the console, since there is no mail to send.
type devOutbox struct {
	log  *slog.Logger
	mu   sync.Mutex
	sent []sentCode
}

type sentCode struct {
	Contact, Code string
	At            time.Time
}

func (d *devOutbox) SendSignInCode(_ context.Context, contact, code string) error {
	d.log.Info("development instance: sign-in code (shown only because this instance is for development)",
		slog.String("contact", contact), slog.String("code", code))
	d.mu.Lock()
	defer d.mu.Unlock()
	d.sent = append([]sentCode{{contact, code, time.Now()}}, d.sent[:min(len(d.sent), 9)]...)
	return nil
}

// Sent returns the codes sent, newest first.
func (d *devOutbox) Sent() []sentCode {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]sentCode(nil), d.sent...)
}

// countedSender counts the deliveries of next.
type countedSender struct {
	next vci.SignInSender
	m    *oidMetrics
}

func (c countedSender) SendSignInCode(ctx context.Context, contact, code string) error {
	err := c.next.SendSignInCode(ctx, contact, code)
	if err != nil {
		c.m.signIns.WithLabelValues("failed").Inc()
	} else {
		c.m.signIns.WithLabelValues("sent").Inc()
	}
	return err
}
