package server

import "github.com/prometheus/client_golang/prometheus"

// oidMetrics count the OpenID4VCI/VP work; every label takes a bounded set
// of values (formats offered, the specifications' error codes, result
// states), never one read from input.
type oidMetrics struct {
	offers        *prometheus.CounterVec   // grant: pre-authorized_code, authorization_code
	issued        *prometheus.CounterVec   // format, result: ok, denied, error
	issueTime     *prometheus.HistogramVec // format
	errors        *prometheus.CounterVec   // route, code
	notifications *prometheus.CounterVec   // event
	requests      prometheus.Counter       // presentation requests made
	results       *prometheus.CounterVec   // status: answered, rejected, declined
	signIns       *prometheus.CounterVec   // result: sent, failed
}

func newOIDMetrics(reg *prometheus.Registry, buckets []float64) *oidMetrics {
	m := &oidMetrics{
		offers: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "diplomat_openid4vci_offers_total",
			Help: "Credential offers made, by grant."}, []string{"grant"}),
		issued: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "diplomat_openid4vci_credentials_total",
			Help: "Credentials issued at the credential endpoint by format and result (ok, denied, error)."}, []string{"format", "result"}),
		issueTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "diplomat_openid4vci_issue_duration_seconds",
			Help: "Time to issue the credentials of one credential request, by format.", Buckets: buckets}, []string{"format"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "diplomat_openid4vc_errors_total",
			Help: "OpenID4VCI/VP error responses by route and error code."}, []string{"route", "code"}),
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "diplomat_openid4vci_notifications_total",
			Help: "Wallet notifications by event."}, []string{"event"}),
		requests: prometheus.NewCounter(prometheus.CounterOpts{Name: "diplomat_openid4vp_requests_total",
			Help: "Presentation requests made by the verification page."}),
		results: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "diplomat_openid4vp_results_total",
			Help: "Presentation responses by status (answered, rejected, declined)."}, []string{"status"}),
		signIns: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "diplomat_openid4vci_signin_codes_total",
			Help: "Sign-in codes sent through the registrar's channel, by result (sent, failed)."}, []string{"result"}),
	}
	reg.MustRegister(m.offers, m.issued, m.issueTime, m.errors, m.notifications, m.requests, m.results, m.signIns)
	return m
}
