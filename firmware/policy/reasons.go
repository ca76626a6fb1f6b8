package policy

import (
	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

// Reasons, each with a stable code for machines and text for the guard
// (Chinese) and the dashboard (English). A reason states a fact; the
// decision says what to do about it. Codes are stored in ledgers: never
// change one, add a new one.
var (
	ReasonExit           = wire.Reason{Code: "exit", ZH: "出口，已记录", EN: "exit, logged"}
	ReasonTempNormal     = wire.Reason{Code: "temp_normal", ZH: "体温正常", EN: "temperature normal"}
	ReasonFever          = wire.Reason{Code: "fever_recheck", ZH: "体温偏高，请复测", EN: "high temperature, measure again"}
	ReasonNoTemperature  = wire.Reason{Code: "no_temperature", ZH: "未测到体温，请复测或手工录入", EN: "no temperature taken, measure again or enter by hand"}
	ReasonManualTemp     = wire.Reason{Code: "temp_manual", ZH: "体温由值守人员手工录入", EN: "temperature entered by hand by the guard"}
	ReasonUncertain      = wire.Reason{Code: "temp_uncertain", ZH: "测温不稳定，请复测", EN: "reading uncertain, measure again"}
	ReasonPassUnverified = wire.Reason{Code: "pass_unverified", ZH: "出入证格式正确，未验签", EN: "pass format valid, signature not checked"}
	ReasonVisitor        = wire.Reason{Code: "visitor_register", ZH: "访客，请登记", EN: "visitor, please register"}
	ReasonNoCode         = wire.Reason{Code: "no_code", ZH: "未出示码，请登记", EN: "no code shown, please register"}
	ReasonUnknownCode    = wire.Reason{Code: "unknown_code", ZH: "无法识别的码，请登记", EN: "code not recognised, please register"}
)

// Reasons added with policy documents.
var (
	ReasonFeverRefer = wire.Reason{Code: "fever_refer", ZH: "体温异常，请到发热门诊就诊，已报告", EN: "fever, go to the fever clinic; reported"}

	ReasonCodeGreen        = wire.Reason{Code: "health_code_green", ZH: "健康码绿码", EN: "health code green"}
	ReasonCodeYellow       = wire.Reason{Code: "health_code_yellow", ZH: "健康码黄码，已报告", EN: "health code yellow; reported"}
	ReasonCodeRed          = wire.Reason{Code: "health_code_red", ZH: "健康码红码，已报告", EN: "health code red; reported"}
	ReasonCodeExpired      = wire.Reason{Code: "health_code_expired", ZH: "健康码已过期，请刷新", EN: "health code expired, refresh it"}
	ReasonCodeNotFound     = wire.Reason{Code: "health_code_not_found", ZH: "健康码查无此人", EN: "health code not found"}
	ReasonCodeTimeout      = wire.Reason{Code: "health_code_timeout", ZH: "健康码核验超时", EN: "health code check timed out"}
	ReasonCodeVerifyFailed = wire.Reason{Code: "health_code_verify_failed", ZH: "健康码核验失败", EN: "health code failed verification"}
	ReasonCodeRefused      = wire.Reason{Code: "health_code_not_accepted", ZH: "健康码状态不符合要求", EN: "health code status not accepted"}

	ReasonTravelOK      = wire.Reason{Code: "travel_card_ok", ZH: "行程卡正常", EN: "travel card normal"}
	ReasonTravelFlagged = wire.Reason{Code: "travel_card_flagged", ZH: "行程卡异常", EN: "travel card flagged"}
	ReasonTravelUnseen  = wire.Reason{Code: "travel_card_unseen", ZH: "码内无行程卡信息，请人工查看", EN: "travel card not in the code, look at it"}

	ReasonTestOK        = wire.Reason{Code: "nucleic_ok", ZH: "核酸阴性证明在有效期内", EN: "negative test within the window"}
	ReasonTestMissing   = wire.Reason{Code: "nucleic_missing", ZH: "无核酸阴性证明，请到采样点检测", EN: "no negative test, go to the sampling point"}
	ReasonTestExpired   = wire.Reason{Code: "nucleic_expired", ZH: "核酸阴性证明已超时效，请到采样点检测", EN: "negative test too old, go to the sampling point"}
	ReasonTestUnchecked = wire.Reason{Code: "nucleic_unchecked", ZH: "时钟未同步，核酸时效请人工查看", EN: "clock not synced, check the test's date by eye"}

	ReasonMaskWorn      = wire.Reason{Code: "mask_worn", ZH: "已佩戴口罩", EN: "mask worn"}
	ReasonMaskMissing   = wire.Reason{Code: "mask_missing", ZH: "未佩戴口罩", EN: "no mask"}
	ReasonMaskUnchecked = wire.Reason{Code: "mask_unchecked", ZH: "口罩未确认", EN: "mask not confirmed by the guard"}
	// ReasonMaskByException: worn, because the guard did not mark otherwise.
	ReasonMaskByException = wire.Reason{Code: "mask_unmarked", ZH: "口罩：值守人员未标记未戴", EN: "mask: not marked missing by the guard"}

	ReasonPassValid   = wire.Reason{Code: "pass_valid", ZH: "出入证有效", EN: "pass valid"}
	ReasonPassExpired = wire.Reason{Code: "pass_expired", ZH: "出入证已过期", EN: "pass expired"}
	ReasonPassRevoked = wire.Reason{Code: "pass_revoked", ZH: "出入证已注销", EN: "pass revoked"}
	ReasonPassInvalid = wire.Reason{Code: "pass_invalid", ZH: "出入证无效", EN: "pass not valid here"}

	ReasonOutsider   = wire.Reason{Code: "outsider_not_admitted", ZH: "外来人员暂不得进入，请劝返", EN: "outsiders not admitted, persuade to return"}
	ReasonCourier    = wire.Reason{Code: "courier_handover", ZH: "快递外卖请到交接点", EN: "use the handover point"}
	ReasonRegistered = wire.Reason{Code: "registered", ZH: "已登记", EN: "registered by the guard"}

	ReasonQuarantineExit  = wire.Reason{Code: "watch_quarantine", ZH: "居家隔离人员，不得外出，已报告", EN: "in home quarantine, may not go out; reported"}
	ReasonQuarantineEntry = wire.Reason{Code: "watch_quarantine_home", ZH: "居家隔离人员返家，已报告", EN: "home-quarantine person returning home; reported"}
	ReasonQuarantineOut   = wire.Reason{Code: "watch_quarantine_out", ZH: "居家隔离人员外出，不得进入，已报告", EN: "home-quarantine person out of home, not admitted; reported"}
	ReasonReturnee        = wire.Reason{Code: "watch_returnee", ZH: "风险地区返回人员，请登记", EN: "returnee from a risk area, please register"}
	// ReasonRefusedProof: the person refused to show proof and was not
	// let in; recorded and reported (wire.ReasonRefusedProof).
	ReasonRefusedProof = wire.Reason{Code: wire.ReasonRefusedProof, ZH: "拒绝出示证明，未放行，已记录", EN: "refused to show proof, not admitted; recorded"}

	ReasonFull             = wire.Reason{Code: "capacity_full", ZH: "场内人数已满，请稍候", EN: "full inside, please wait"}
	ReasonOccupancyUnknown = wire.Reason{Code: "occupancy_unknown", ZH: "场内人数未知，未限流", EN: "occupancy unknown, not limited"}
	// ReasonAdmittedAfterWait marks the entry of a person held at a full
	// site and let in once the site gateway's grant had room again.
	ReasonAdmittedAfterWait = wire.Reason{Code: "admitted_after_wait", ZH: "等候后放行", EN: "admitted after waiting"}
)

// Alerts tell the centre to look at an entry at once (docs/product.md
// "What a checkpoint checks": fever patients and yellow/red codes are reported within minutes).
const (
	AlertFever           = "fever"
	AlertWatchQuarantine = "watch_quarantine"
	AlertCodeRed         = "health_code_red"
	AlertCodeYellow      = "health_code_yellow"
)

// codeReasons names each health code status.
var codeReasons = map[credential.Status]wire.Reason{
	credential.StatusGreen:        ReasonCodeGreen,
	credential.StatusYellow:       ReasonCodeYellow,
	credential.StatusRed:          ReasonCodeRed,
	credential.StatusExpired:      ReasonCodeExpired,
	credential.StatusNotFound:     ReasonCodeNotFound,
	credential.StatusTimeout:      ReasonCodeTimeout,
	credential.StatusVerifyFailed: ReasonCodeVerifyFailed,
}

func codeReason(s credential.Status) wire.Reason {
	if r, ok := codeReasons[s]; ok {
		return r
	}
	return ReasonCodeRefused
}

// passReason names a pass status; statuses without their own reason are
// "not valid here" (wrong site, not yet valid, failed verification …).
func passReason(s credential.Status) wire.Reason {
	switch s {
	case credential.StatusValid:
		return ReasonPassValid
	case credential.StatusUnverified:
		return ReasonPassUnverified
	case credential.StatusExpired:
		return ReasonPassExpired
	case credential.StatusRevoked:
		return ReasonPassRevoked
	}
	return ReasonPassInvalid
}

// statuses are those a document may list in accept; a typo is an error.
var statuses = []credential.Status{
	credential.StatusGreen, credential.StatusYellow, credential.StatusRed,
	credential.StatusValid, credential.StatusExpired, credential.StatusRevoked,
	credential.StatusNotFound, credential.StatusVerifyFailed, credential.StatusTimeout,
	credential.StatusWrongSite, credential.StatusNotYetValid, credential.StatusUnverified,
}

// ReasonOverride records a guard overruling the policy, in their words.
func ReasonOverride(by, why string) wire.Reason {
	return wire.Reason{Code: "guard_override", ZH: "值守人员" + by + "人工处置：" + why, EN: "override by " + by + ": " + why}
}
