package ig

import "github.com/brokerauth/brokerauth/sim/internal/simkit"

// Stats counts what the simulator has seen since it started or was Reset.
type Stats = simkit.CSTStats
