package gateway

import (
	"context"
	"log/slog"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/gateway/config"
)

// useCredential sets cfg.Cloud.Username and Password from the saved
// credential, enrolling first when [enroll] is set and none is saved: the
// same client as the unit's (delivery.Enrollment), with a gateway's token.
func useCredential(ctx context.Context, cfg *config.Config, log *slog.Logger) error {
	e := delivery.Enrollment{
		URL: cfg.Enroll.URL, Token: cfg.Enroll.Token, CAFile: cfg.Enroll.CAFile,
		Site: cfg.Site, Unit: cfg.Gateway, Role: "gateway",
		File: cfg.CredentialFile(),
	}
	cred, ok, err := e.Credential(ctx, log)
	if err != nil || !ok {
		return err
	}
	cfg.Cloud.Username, cfg.Cloud.Password = cred.Username, cred.Password
	return nil
}
