package wire

// Reason codes the centre counts by code (cloud/report's columns), so a
// unit and the collector must spell them alike. Most reason codes are the
// unit's own (firmware/policy); these few are part of the contract.
const (
	// ReasonRefusedProof marks an entry of a person who refused to show
	// their proof (health code, pass, test certificate) and was not let
	// in: the plans ask that such people be recorded and reported
	// (docs/product.md "Closed-management community gates"). The entry's
	// decision is deny or persuade_return, never allow; the daily reports
	// count it as 拒绝出示证明.
	ReasonRefusedProof = "refused_proof"
)
