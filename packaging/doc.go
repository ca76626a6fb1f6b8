// Package packaging builds the Debian packages an installer puts on a Pi or a
// server: kakou-unit, kakou-gateway and kakou-cloud, each with its binary in
// /usr/bin, its config in /etc/kakou as a conffile, a systemd unit and the
// maintainer scripts that create the kakou user and start the service, plus
// kakou-policies (the screening profiles, shared by all three).
//
// It uses nfpm as a library, so `make packages` needs nothing but Go; the
// tests then check what it built with Debian's own tools (dpkg-deb, lintian,
// systemd-analyze) and start the ARMv6 binary from the armhf package under
// qemu. See README.md.
package packaging
