package console

import "net/http"

// Guard is a guard signed in at the console.
type Guard struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// signedIn is the guard whose session r carries; nil when none.
// TODO(sign-in): sessions are being built; until then nobody is signed in.
func (c *Console) signedIn(r *http.Request) *Guard { return c.testGuard }

// OnDuty is the roster id of the guard on duty at this lane; "" when
// nobody is signed in.
func (c *Console) OnDuty() string { return "" }

// actor is the roster id of the guard acting in r; "" when none.
func (c *Console) actor(r *http.Request) string {
	if g := c.signedIn(r); g != nil {
		return g.ID
	}
	return ""
}
