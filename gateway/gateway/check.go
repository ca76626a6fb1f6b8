package gateway

import "github.com/kakou/kakou/gateway/config"

// CheckFiles reads what the config names: the policy file, TLS files and
// the update keys.
// Start reads them again; -check-config uses this to report them early.
func CheckFiles(cfg config.Config) error {
	if _, err := cfg.Capacity(); err != nil {
		return err
	}
	if _, err := cfg.LAN.TLS(); err != nil {
		return err
	}
	if _, err := cfg.Web.TLS(); err != nil {
		return err
	}
	if err := checkUpdateFiles(cfg); err != nil { // update.go
		return err
	}
	_, err := cfg.Cloud.TLS()
	return err
}
