package netguard_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/diplomat-edu/diplomat/internal/netguard"
)

// A client that follows redirects within one host and refuses to connect to
// a non-public address, whatever name led there.
func Example() {
	client := netguard.NewClient(netguard.Options{Timeout: 5 * time.Second, Redirects: netguard.SameHost})
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "https://127.0.0.1/status/1", nil)
	_, err := client.Do(req)
	fmt.Println(errors.Is(err, netguard.ErrForbiddenAddress))
	// Output: true
}
