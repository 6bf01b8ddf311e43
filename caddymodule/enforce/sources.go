package enforce

import (
	"fmt"
	"os"

	"github.com/consentgate/caddy-consent/caddymodule/config"
	"github.com/consentgate/caddy-consent/caddymodule/policy"
	"github.com/consentgate/caddy-consent/caddymodule/trackers"
)

// The two places where the engine depends on facts other packages own.

// optIn reports whether a built-in preset stays off unless named: presets
// whose same-origin rules match generic paths of a site's own (/api/event,
// /collect, */beacon) would break sites that use those paths.
func optIn(v trackers.Vendor) bool { return v.OptIn }

// cookieDatabase returns the cookie database for cookie_database: the
// built-in Open Cookie Database facts by default, none for "off", or the
// operator's newer CSV.
func cookieDatabase(setting string) (*policy.Database, error) {
	switch setting {
	case config.CookieDatabaseOff:
		return nil, nil
	case "":
		db, err := policy.BuiltinCookieDatabase()
		if err != nil {
			return nil, fmt.Errorf("consent: built-in cookie database: %v", err)
		}
		return db, nil
	}
	f, err := os.Open(setting)
	if err != nil {
		return nil, fmt.Errorf("consent: cookie_database %q: %v; give the path of an Open Cookie Database CSV, or off", setting, err)
	}
	defer f.Close()
	db, err := policy.LoadCookieDatabase(f)
	if err != nil {
		return nil, fmt.Errorf("consent: cookie_database %q: %v", setting, err)
	}
	return db, nil
}

func setDatabase(c *policy.Config, db *policy.Database) { c.Database = db }
