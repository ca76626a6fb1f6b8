package packaging

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/deb"
	"github.com/goreleaser/nfpm/v2/files"
)

// buildOne builds s for a in the scratch folder dir and writes the package
// to o.Out.
func buildOne(ctx context.Context, o Options, s Spec, a Arch, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	contents, err := docs(o, s, dir)
	if err != nil {
		return "", err
	}
	info := &nfpm.Info{
		Name: s.Name, Arch: a.Debian, Platform: "linux",
		Version: o.Version, VersionSchema: "none",
		Section: section(s), Priority: "optional",
		Maintainer:  Maintainer,
		Description: s.Summary + "\n" + wrap(s.Description, 72),
		Homepage:    "https://github.com/kakou/kakou",
		License:     "proprietary",
		MTime:       o.Date,
		Overridables: nfpm.Overridables{
			Suggests: s.Suggests,
			Deb:      nfpm.Deb{Arch: a.Debian},
		},
	}
	if s.Program == "" {
		info.Depends = s.Depends
		info.Contents = append(contents, policies(o)...)
	} else {
		more, err := programFiles(ctx, o, s, a, dir)
		if err != nil {
			return "", err
		}
		info.Contents = append(contents, more...)
		info.Depends = append(append([]string{}, programDepends...), s.Depends...)
		if info.Scripts, err = scripts(o, s, dir); err != nil {
			return "", err
		}
	}
	path := filepath.Join(o.Out, s.FileName(o.Version, a))
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	if err := deb.Default.Package(nfpm.WithDefaults(info), f); err != nil {
		f.Close()
		return "", fmt.Errorf("packaging: %s: %w", filepath.Base(path), err)
	}
	return path, f.Close()
}

func section(s Spec) string {
	if s.Program == "" || s.Name == "kakou-unit" {
		return "misc"
	}
	return "net"
}

func file(src, dst string, mode os.FileMode) *files.Content {
	return &files.Content{Source: src, Destination: dst, FileInfo: &files.ContentFileInfo{Mode: mode, Owner: "root", Group: "root"}}
}

func conffile(src, dst string) *files.Content {
	c := file(src, dst, 0o644)
	c.Type = files.TypeConfig
	return c
}

// docs are what Debian policy asks of every package: the copyright file,
// the changelog and the lintian overrides, each with the reason written in it.
func docs(o Options, s Spec, dir string) (files.Contents, error) {
	doc := "/usr/share/doc/" + s.Name + "/"
	copyright, err := render("copyright", dir, s, o)
	if err != nil {
		return nil, err
	}
	changelog, err := render("changelog.tmpl", dir, s, o)
	if err != nil {
		return nil, err
	}
	if err := gzipped(changelog, changelog+".gz"); err != nil {
		return nil, err
	}
	c := files.Contents{
		file(copyright, doc+"copyright", 0o644),
		file(changelog+".gz", doc+"changelog.gz", 0o644),
	}
	if _, err := debian.ReadFile("debian/lintian-overrides.tmpl"); err == nil && s.Program != "" {
		overrides, err := render("lintian-overrides.tmpl", dir, s, o)
		if err != nil {
			return nil, err
		}
		c = append(c, file(overrides, "/usr/share/lintian/overrides/"+s.Name, 0o644))
	}
	return c, nil
}

// programFiles are the binary, its config (and a pristine copy) and its service.
func programFiles(ctx context.Context, o Options, s Spec, a Arch, dir string) (files.Contents, error) {
	bin, err := compile(ctx, o, s, a, dir)
	if err != nil {
		return nil, err
	}
	service, err := render(s.Name+".service", dir, s, o)
	if err != nil {
		return nil, err
	}
	return files.Contents{
		file(bin, "/usr/bin/"+s.Name, 0o755),
		conffile(filepath.Join(o.Root, s.Config), "/etc/kakou/"+s.ConfigName),
		// The same file, never edited: first-boot setup replaces the
		// conffile without -force only while it still equals this.
		file(filepath.Join(o.Root, s.Config), "/usr/share/kakou/examples/"+s.ConfigName, 0o644),
		file(service, "/lib/systemd/system/"+s.Name+".service", 0o644),
	}, nil
}

// policies are the profiles in configs/policies, as conffiles: a site edits
// its numbers, and an upgrade asks before replacing an edited one.
func policies(o Options) files.Contents {
	matches, _ := filepath.Glob(filepath.Join(o.Root, "configs", "policies", "*.toml"))
	var c files.Contents
	for _, m := range matches {
		c = append(c, conffile(m, "/etc/kakou/policies/"+filepath.Base(m)))
	}
	return c
}

func scripts(o Options, s Spec, dir string) (nfpm.Scripts, error) {
	var sc nfpm.Scripts
	for _, x := range []struct {
		name string
		to   *string
	}{{"postinst.tmpl", &sc.PostInstall}, {"prerm.tmpl", &sc.PreRemove}, {"postrm.tmpl", &sc.PostRemove}} {
		p, err := render(x.name, dir, s, o)
		if err != nil {
			return sc, err
		}
		*x.to = p
	}
	return sc, nil
}

// wrap breaks a long description into lines of at most width bytes, as
// dpkg shows them (lintian: extended-description-line-too-long).
func wrap(text string, width int) string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return strings.Join(append(lines, line), "\n")
}
