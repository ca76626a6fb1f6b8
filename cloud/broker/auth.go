package broker

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/kakou/kakou/cloud/devicepass"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// Devices is where DeviceAuth finds enrolled devices: the collector's
// store (cloud/store DeviceCredential).
type Devices interface {
	DeviceCredential(ctx context.Context, id store.UnitID) (store.DeviceCredential, error)
}

// Service is the collector's own credential: its ingest client reads
// every unit's entries and writes every ack and policy.
type Service struct{ Username, Password string }

// DeviceAuth is the broker's hook when [broker] auth = "devices" (SECURITY.md
// "Broker ACLs"): only enrolled devices and the collector's
// service client connect, and a device uses only its own topics.
//
// Identities are kept per connection, so an ACL check (one per message)
// costs a map look-up, not a database query.
type DeviceAuth struct {
	mqtt.HookBase
	devices Devices
	service Service
	log     *slog.Logger

	conns sync.Map // *mqtt.Client → identity, while connected
	// owners binds each client id to the user name that first used it,
	// so one device cannot take over another's session (and fire its
	// last will) by reusing its client id.
	owners sync.Map // client id → user name
}

// identity is who a connection authenticated as: the service, or a device
// of one site (a unit is its site and its id).
type identity struct {
	unit, site, role string // role "service", store.RoleUnit or store.RoleGateway
}

const roleService = "service"

// NewDeviceAuth returns the hook; add it with (*Broker).RequireDevices.
func NewDeviceAuth(devices Devices, service Service, log *slog.Logger) (*DeviceAuth, error) {
	if devices == nil {
		return nil, errors.New("broker: device auth needs the store of enrolled devices")
	}
	if service.Username == "" || len(service.Password) < 16 {
		return nil, errors.New("broker: device auth needs the collector's service user name and a password of 16 characters or more")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &DeviceAuth{devices: devices, service: service, log: log.With("component", "broker-auth")}, nil
}

func (*DeviceAuth) ID() string { return "kakou-device-auth" }

func (*DeviceAuth) Provides(b byte) bool {
	return bytes.Contains([]byte{mqtt.OnConnectAuthenticate, mqtt.OnACLCheck, mqtt.OnDisconnect}, []byte{b})
}

// OnConnectAuthenticate admits the service client and enrolled devices
// whose password matches, and refuses (and logs) everyone else.
func (a *DeviceAuth) OnConnectAuthenticate(cl *mqtt.Client, pk packets.Packet) bool {
	user, pw := string(pk.Connect.Username), string(pk.Connect.Password)
	id, err := a.authenticate(user, pw)
	if err == nil && pk.Connect.WillFlag && !id.may(pk.Connect.WillTopic, true) {
		// mochi publishes a will without an ACL check: a unit's will
		// on another unit's status would mark that unit offline.
		err = fmt.Errorf("last will on %q is not the client's own topic", pk.Connect.WillTopic)
	}
	if err == nil {
		err = a.claim(cl.ID, user)
	}
	if err != nil {
		a.log.Warn("mqtt connect refused", "user", user, "client_id", cl.ID, "remote", cl.Net.Remote, "reason", err)
		return false
	}
	a.conns.Store(cl, id)
	return true
}

func (a *DeviceAuth) authenticate(user, pw string) (identity, error) {
	if user == "" {
		return identity{}, errors.New("no user name: anonymous clients are not allowed")
	}
	if user == a.service.Username {
		if subtle.ConstantTimeCompare([]byte(pw), []byte(a.service.Password)) != 1 {
			return identity{}, errors.New("wrong password for the service user")
		}
		return identity{role: roleService}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// "site/unit"; a bare unit id is a device enrolled before user names
	// carried the site, accepted while it is the only one of its id.
	cred, err := a.devices.DeviceCredential(ctx, store.ParseUsername(user))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return identity{}, errors.New("unknown device: not enrolled (user names are site/unit)")
	case errors.Is(err, store.ErrAmbiguousDevice):
		return identity{}, fmt.Errorf("%w: enroll it again for a site/unit user name", err)
	case err != nil:
		return identity{}, fmt.Errorf("look up device: %w", err)
	case !devicepass.Check(cred.PasswordHash, pw):
		return identity{}, errors.New("wrong password")
	}
	return identity{unit: cred.Unit, site: cred.Site, role: cred.Role}, nil
}

// claim binds clientID to user for the broker's lifetime.
func (a *DeviceAuth) claim(clientID, user string) error {
	if owner, _ := a.owners.LoadOrStore(clientID, user); owner != user {
		return fmt.Errorf("client id %q belongs to another user", clientID)
	}
	return nil
}

// OnACLCheck lets a connection publish (write) or subscribe and receive
// only what its identity may; a refusal is logged.
func (a *DeviceAuth) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	v, ok := a.conns.Load(cl)
	if ok && v.(identity).may(topic, write) {
		return true
	}
	a.log.Warn("mqtt topic refused", "user", string(cl.Properties.Username), "client_id", cl.ID,
		"topic", topic, "publish", write)
	return false
}

// OnDisconnect forgets the connection's identity.
func (a *DeviceAuth) OnDisconnect(cl *mqtt.Client, _ error, _ bool) { a.conns.Delete(cl) }

// may is the ACL: the service reads and writes everything; a unit and a
// gateway get wire.Grant, the table every broker in front of devices
// applies.
func (id identity) may(topic string, write bool) bool {
	switch id.role {
	case roleService:
		return true
	case store.RoleUnit:
		return wire.Grant{Site: id.site, Unit: id.unit}.Allows(topic, write)
	case store.RoleGateway:
		return wire.Grant{Site: id.site, Unit: wire.AnyUnit}.Allows(topic, write)
	}
	return false
}

// RequireDevices replaces the broker's allow-all hook with a: call it
// before Start.
func (b *Broker) RequireDevices(a *DeviceAuth) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.started {
		return errors.New("broker: RequireDevices after Start; call it before")
	}
	b.auth = a
	return nil
}
