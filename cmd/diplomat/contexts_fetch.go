package main

import (
	"errors"
	"fmt"
	"net/url"
	"slices"

	"github.com/spf13/cobra"

	"github.com/diplomat-edu/diplomat/credentials/jsonld"
)

type contextsFetchOptions struct {
	allowHTTP bool
}

func (o *contextsFetchOptions) AddFlags(c *cobra.Command) {
	c.Flags().BoolVar(&o.allowHTTP, "allow-http", false, "also fetch contexts named by http:// URLs (such as the EDC edc-ap context); the SHA-256 pin is checked all the same")
}

func newContextsFetchCommand(a *app) *cobra.Command {
	o := &contextsFetchOptions{}
	c := &cobra.Command{
		Use:   "fetch URL...",
		Short: "Fetch pinned contexts over the network, once, into the store (opt-in)",
		Long: "Fetch downloads each context URL given (it must be one Diplomat pins, see 'diplomat contexts list'),\n" +
			"checks it against its pinned SHA-256 digest and stores it, so that later runs never fetch.\n" +
			"This is the only command that downloads contexts; verification never does.",
		Example: `  diplomat contexts fetch https://www.w3.org/ns/credentials/status/v1
  diplomat contexts fetch --allow-http http://data.europa.eu/snb/model/context/edc-ap`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, a, args) },
	}
	o.AddFlags(c)
	return c
}

func (o *contextsFetchOptions) run(cmd *cobra.Command, a *app, urls []string) error {
	pinned := jsonld.PinnedURLs()
	for _, u := range urls {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") {
			return usagef(fmt.Sprintf("%q is not an http(s) URL", u))
		}
		if p.Scheme == "http" && !o.allowHTTP {
			return usagef(fmt.Sprintf("%s is an http URL: add --allow-http to fetch it (its SHA-256 pin is still checked)", u))
		}
		if !slices.Contains(pinned, u) {
			return withHint(fmt.Errorf("%s is not among the contexts Diplomat pins", u), "'diplomat contexts list' shows the accepted URLs")
		}
	}
	s, err := a.openStore()
	if err != nil {
		return err
	}
	// Only the store is consulted before the fetch: a context already
	// installed is not downloaded again.
	loader := jsonld.New(jsonld.Options{Cache: s, Fetch: &jsonld.FetchOptions{AllowHTTP: o.allowHTTP, Store: s}})
	rows := [][]string{{"URL", "SOURCE", "SHA-256"}}
	type result struct {
		URL    string `json:"url"`
		Source string `json:"source"`
		SHA256 string `json:"sha256"`
	}
	var results []result
	for _, u := range urls {
		b, src, err := loader.Context(cmd.Context(), u)
		if err != nil {
			if errors.Is(err, jsonld.ErrContextMismatch) {
				return withHint(err, "the server did not serve the published context; nothing was stored for it")
			}
			return err
		}
		d := jsonld.Digest(b)
		results = append(results, result{u, src, d})
		rows = append(rows, []string{u, src, d[:16] + "…"})
	}
	if a.json {
		return a.printJSON(results)
	}
	return a.table(rows)
}
