package trust

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"

	"github.com/BurntSushi/toml"

	"github.com/kakou/kakou/cloud/store"
)

// Seed is what a fleet's first start puts on the list (the collector's
// [trust] files); later changes go through the API.
type Seed struct {
	// Issuers and HealthIssuers are TOML files of `id = "kakou-ed25519-pub:…"`
	// lines, as a unit's [credentials.issuers]; DCC is a DCC trust list
	// (ParseSigners). Empty: none.
	Issuers, HealthIssuers, DCC string
}

// SeedBy is who the store records for a seed's changes.
const SeedBy = "config"

// ApplySeed puts the seed's keys and signers on a list that has never been
// changed (version 0); a list the API has changed is left alone, so an
// issuer removed at the centre does not come back with a restart.
func (s *Service) ApplySeed(ctx context.Context, seed Seed) error {
	st, err := s.store.TrustState(ctx)
	if err != nil || st.Version != 0 {
		return err
	}
	var errs []error
	for _, f := range []struct {
		key, path string
		kind      store.TrustKind
	}{{"trust.issuers", seed.Issuers, store.TrustPass}, {"trust.health_issuers", seed.HealthIssuers, store.TrustHealth}} {
		if f.path == "" {
			continue
		}
		keys := map[string]string{}
		if _, err := toml.DecodeFile(f.path, &keys); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.key, err))
			continue
		}
		for _, id := range slices.Sorted(maps.Keys(keys)) {
			if _, _, err := s.PutIssuer(ctx, f.kind, id, keys[id], SeedBy); err != nil {
				errs = append(errs, fmt.Errorf("%s %s: %w", f.key, id, err))
			}
		}
	}
	if seed.DCC != "" {
		errs = append(errs, s.seedDCC(ctx, seed.DCC))
	}
	return errors.Join(errs...)
}

func (s *Service) seedDCC(ctx context.Context, path string) error {
	b, err := os.ReadFile(path)
	if err == nil && len(b) > MaxImportBytes {
		err = fmt.Errorf("%d bytes, at most %d", len(b), MaxImportBytes)
	}
	var signers []store.DCCSigner
	if err == nil {
		signers, err = ParseSigners(b)
	}
	if err == nil {
		_, _, err = s.PutDCC(ctx, signers, true, SeedBy)
	}
	if err != nil {
		return fmt.Errorf("trust.dcc_trust_list: %w", err)
	}
	return nil
}
