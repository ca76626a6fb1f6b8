package report

// Vehicles at the vehicle lanes (车辆通道): how many were let in and how
// many were persuaded to return (劝返), from the vehicles' records
// (cloud/store's vehicle:<decision> rollups). The people in them are
// counted with everyone else; these columns count vehicles.

// Column keys of the vehicle counts; named reports pick them.
const (
	ColVehiclesIn       = "vehicles_in"
	ColVehiclesReturned = "vehicles_returned"
)

// The rollup metrics they read.
const (
	metricVehicleIn       = "vehicle:allow"
	metricVehicleReturned = "vehicle:persuade_return"
)

func init() {
	for _, c := range []column{
		count(ColVehiclesIn, "车辆放行", "Vehicles admitted", func(r Row) int { return r.VehiclesIn }),
		count(ColVehiclesReturned, "车辆劝返", "Vehicles persuaded to return", func(r Row) int { return r.VehiclesReturned }),
	} {
		allColumns[c.key] = c
	}
}

// vehicles fills r's vehicle counts from s's.
func vehicles(r *Row, s SiteInput) {
	r.VehiclesIn, r.VehiclesReturned = s.Counts[metricVehicleIn], s.Counts[metricVehicleReturned]
}
