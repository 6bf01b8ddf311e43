//go:build race

package banner

const raceEnabled = true
