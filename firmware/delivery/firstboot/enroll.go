package firstboot

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/kakou/kakou/firmware/delivery"
)

// Enroll trades e.Token for the device's credential and saves it in
// e.File, as the device's first start would. A token the centre refuses
// is asked for again (the message says why and where a new one comes
// from); with -yes the refusal is the error, and nothing is saved.
func Enroll(ctx context.Context, a *Asker, e delivery.Enrollment, token Question) (delivery.Credential, error) {
	log := slog.New(slog.DiscardHandler)
	for {
		a.Say("正在登记到中心 "+e.URL+" …", "enrolling at the centre "+e.URL+" …")
		c, ok, err := e.Credential(ctx, log)
		if err == nil && ok && c.Role != "" && c.Role != e.Role {
			// The centre refuses a token of the other role unspent; a
			// centre older than that takes the role from the token, and
			// the device would fail later, at every publish. The
			// credential is dropped so the right token can enroll again.
			os.Remove(e.File)
			ok, err = false, fmt.Errorf("the token was issued for a %s, but this is a %s: ask the centre for kakou-cloud enroll-token -role %[2]s -site %s -unit %s",
				c.Role, e.Role, e.Site, e.Unit)
		}
		if err == nil && ok {
			a.Say("登记成功，凭据已保存: "+c.Username, "enrolled, credential saved: "+c.Username+" ("+e.File+")")
			return c, nil
		}
		if err == nil {
			err = fmt.Errorf("no enrollment URL")
		}
		if a.Yes || ctx.Err() != nil {
			return delivery.Credential{}, fmt.Errorf("中心拒绝登记 / enrollment failed: %w", err)
		}
		fmt.Fprintf(a.Out, "  ✗ 中心拒绝登记 / enrollment failed: %v\n", err)
		token.Preset = ""
		if e.Token, err = a.Ask(token); err != nil {
			return delivery.Credential{}, err
		}
	}
}
