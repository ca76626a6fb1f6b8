"use strict";
// Every code the API sends, in both of the dashboard's languages: an
// operator never reads "unverified" or "persuade_return". Loaded before
// dashboard.js, whose word(group, code) looks here first; a code missing
// from a group shows as it came, so a new one appears rather than
// vanishing. The table is JSON so that a Go test
// (TestEveryCodeTheAPISendsHasAChineseAndAnEnglishWord) can read it and
// fail when the firmware or the cloud defines a code it lacks. Reasons
// carry their own words from the unit; these are for a reason without them.
const CODES = {
 "zh": {
  "decisions": {
   "allow": "放行",
   "deny": "拒绝",
   "recheck": "复测",
   "register": "先登记",
   "refer": "转诊",
   "persuade_return": "劝返",
   "wait": "等待",
   "hold": "待核酸结果"
  },
  "lanes": {
   "in": "进",
   "out": "出"
  },
  "kinds": {
   "none": "无",
   "resident_pass": "出入证",
   "visitor": "访客",
   "health_code": "健康码",
   "unknown": "未知码"
  },
  "results": {
   "unverified": "未验签",
   "preregistered": "已预约",
   "unrecognised": "无法识别",
   "unreadable": "无法读取",
   "malformed": "格式错误",
   "green": "绿码",
   "yellow": "黄码",
   "red": "红码",
   "valid": "有效",
   "expired": "已过期",
   "revoked": "已注销",
   "not_found": "查无此人",
   "verify_failed": "核验失败",
   "timeout": "核验超时",
   "wrong_site": "非本点位",
   "not_yet_valid": "尚未生效",
   "visit_code": "访客码"
  },
  "reasons": {
   "household_left": "一户一卡：本期剩余次数",
   "household_spent": "本户通行次数已用完",
   "admitted_after_wait": "等候后放行",
   "capacity_full": "场内人数已满，请稍候",
   "courier_handover": "快递外卖请到交接点",
   "exit": "出口，已记录",
   "fever_recheck": "体温偏高，请复测",
   "fever_refer": "体温异常，请到发热门诊就诊，已报告",
   "health_code_expired": "健康码已过期，请刷新",
   "health_code_green": "健康码绿码",
   "health_code_not_accepted": "健康码状态不符合要求",
   "health_code_not_found": "健康码查无此人",
   "health_code_red": "健康码红码，已报告",
   "health_code_timeout": "健康码核验超时",
   "health_code_verify_failed": "健康码核验失败",
   "health_code_yellow": "健康码黄码，已报告",
   "mask_missing": "未佩戴口罩",
   "mask_unchecked": "口罩未确认",
   "mask_unmarked": "口罩：值守人员未标记未戴",
   "mask_worn": "已佩戴口罩",
   "no_code": "未出示码，请登记",
   "no_temperature": "未测到体温，请复测或手工录入",
   "nucleic_expired": "核酸阴性证明已超时效，请到采样点检测",
   "nucleic_missing": "无核酸阴性证明，请到采样点检测",
   "nucleic_ok": "核酸阴性证明在有效期内",
   "nucleic_unchecked": "时钟未同步，核酸时效请人工查看",
   "occupancy_unknown": "场内人数未知，未限流",
   "outsider_not_admitted": "外来人员暂不得进入，请劝返",
   "pass_expired": "出入证已过期",
   "pass_invalid": "出入证无效",
   "pass_revoked": "出入证已注销",
   "pass_unverified": "出入证格式正确，未验签",
   "pass_valid": "出入证有效",
   "registered": "已登记",
   "temp_manual": "体温由值守人员手工录入",
   "temp_normal": "体温正常",
   "temp_uncertain": "测温不稳定，请复测",
   "travel_card_flagged": "行程卡异常",
   "travel_card_ok": "行程卡正常",
   "travel_card_unseen": "码内无行程卡信息，请人工查看",
   "unknown_code": "无法识别的码，请登记",
   "visit_close_recorded": "已记录销号，由中心核对",
   "visit_closed": "访客已销号",
   "visitor_register": "访客，请登记",
   "watch_quarantine": "居家隔离人员，不得外出，已报告",
   "watch_quarantine_home": "居家隔离人员返家，已报告",
   "watch_quarantine_out": "居家隔离人员外出，不得进入，已报告",
   "watch_returnee": "风险地区返回人员，请登记",
   "guard_override": "值守人员人工处置",
   "visit_code_refused": "访客码无效",
   "refused_proof": "拒绝出示证明"
  },
  "alertKinds": {
   "fever": "发热",
   "watch_quarantine": "居家隔离人员",
   "health_code_red": "红码",
   "health_code_yellow": "黄码",
   "device": "设备故障",
   "overstay": "访客超时未销号",
   "offline": "设备离线",
   "silent": "设备长时间无数据",
   "backlog": "积压未上传",
   "disk": "存储已满",
   "conflict": "数据冲突",
   "household_over_quota": "一户一卡超次"
  },
  "severities": {
   "high": "紧急",
   "medium": "重要",
   "low": "一般"
  },
  "recordKinds": {
   "entry": "通行",
   "duty": "值守任务",
   "shift": "交接班",
   "sign_in": "签到",
   "sign_out": "签退",
   "occupancy": "人数校正",
   "household": "一户一卡调整"
  },
  "idKinds": {
   "resident": "居民身份证",
   "hkmo_permit": "港澳居民来往内地通行证",
   "tw_permit": "台湾居民来往大陆通行证",
   "hmt_residence": "港澳台居民居住证",
   "foreign_pr": "外国人永久居留身份证",
   "passport": "护照",
   "none": "无证件"
  },
  "matchedBy": {
   "code": "访客码",
   "pass": "通行证/预约码",
   "phone": "手机号",
   "id": "证件号"
  },
  "roles": {
   "guard": "门岗",
   "site_manager": "点位负责人",
   "monitor": "指挥中心",
   "tracer": "流调"
  },
  "devices": {
   "thermometer": "测温仪",
   "scanner": "扫码器"
  },
  "facilities": {
   "community": "小区",
   "supermarket": "商场超市",
   "market": "农贸市场",
   "clinic": "医疗机构",
   "school": "学校",
   "nursing_home": "养老福利机构",
   "village": "村卡口",
   "office": "办公场所"
  }
 },
 "en": {
  "decisions": {
   "allow": "allow",
   "deny": "deny",
   "recheck": "re-check",
   "register": "register first",
   "refer": "refer",
   "persuade_return": "persuade to return",
   "wait": "wait",
   "hold": "hold for test"
  },
  "lanes": {
   "in": "in",
   "out": "out"
  },
  "kinds": {
   "none": "none",
   "resident_pass": "resident pass",
   "visitor": "visitor",
   "health_code": "health code",
   "unknown": "unknown code"
  },
  "results": {
   "unverified": "not verified",
   "preregistered": "pre-registered",
   "unrecognised": "not recognised",
   "unreadable": "unreadable",
   "malformed": "malformed",
   "green": "green",
   "yellow": "yellow",
   "red": "red",
   "valid": "valid",
   "expired": "expired",
   "revoked": "revoked",
   "not_found": "not found",
   "verify_failed": "failed verification",
   "timeout": "check timed out",
   "wrong_site": "another site's",
   "not_yet_valid": "not yet valid",
   "visit_code": "visit code"
  },
  "reasons": {
   "household_left": "one pass per household: uses left",
   "household_spent": "household's passes for the period used up",
   "admitted_after_wait": "admitted after waiting",
   "capacity_full": "full inside, please wait",
   "courier_handover": "use the handover point",
   "exit": "exit, logged",
   "fever_recheck": "high temperature, measure again",
   "fever_refer": "fever, go to the fever clinic; reported",
   "health_code_expired": "health code expired, refresh it",
   "health_code_green": "health code green",
   "health_code_not_accepted": "health code status not accepted",
   "health_code_not_found": "health code not found",
   "health_code_red": "health code red; reported",
   "health_code_timeout": "health code check timed out",
   "health_code_verify_failed": "health code failed verification",
   "health_code_yellow": "health code yellow; reported",
   "mask_missing": "no mask",
   "mask_unchecked": "mask not confirmed by the guard",
   "mask_unmarked": "mask: not marked missing by the guard",
   "mask_worn": "mask worn",
   "no_code": "no code shown, please register",
   "no_temperature": "no temperature taken, measure again or enter by hand",
   "nucleic_expired": "negative test too old, go to the sampling point",
   "nucleic_missing": "no negative test, go to the sampling point",
   "nucleic_ok": "negative test within the window",
   "nucleic_unchecked": "clock not synced, check the test's date by eye",
   "occupancy_unknown": "occupancy unknown, not limited",
   "outsider_not_admitted": "outsiders not admitted, persuade to return",
   "pass_expired": "pass expired",
   "pass_invalid": "pass not valid here",
   "pass_revoked": "pass revoked",
   "pass_unverified": "pass format valid, signature not checked",
   "pass_valid": "pass valid",
   "registered": "registered by the guard",
   "temp_manual": "temperature entered by hand by the guard",
   "temp_normal": "temperature normal",
   "temp_uncertain": "reading uncertain, measure again",
   "travel_card_flagged": "travel card flagged",
   "travel_card_ok": "travel card normal",
   "travel_card_unseen": "travel card not in the code, look at it",
   "unknown_code": "code not recognised, please register",
   "visit_close_recorded": "close-out recorded; the centre matches the visit",
   "visit_closed": "visit closed out",
   "visitor_register": "visitor, please register",
   "watch_quarantine": "in home quarantine, may not go out; reported",
   "watch_quarantine_home": "home-quarantine person returning home; reported",
   "watch_quarantine_out": "home-quarantine person out of home, not admitted; reported",
   "watch_returnee": "returnee from a risk area, please register",
   "guard_override": "override by the guard",
   "visit_code_refused": "visit code refused",
   "refused_proof": "refused to show proof"
  },
  "alertKinds": {
   "fever": "fever",
   "watch_quarantine": "home quarantine",
   "health_code_red": "red code",
   "health_code_yellow": "yellow code",
   "device": "device fault",
   "overstay": "visitor overstay",
   "offline": "unit offline",
   "silent": "unit silent",
   "backlog": "backlog not draining",
   "disk": "disk full",
   "conflict": "conflicting entry",
   "household_over_quota": "household over its quota"
  },
  "severities": {
   "high": "high",
   "medium": "medium",
   "low": "low"
  },
  "recordKinds": {
   "entry": "entry",
   "duty": "duty",
   "shift": "shift hand-over",
   "sign_in": "sign-in",
   "sign_out": "sign-out",
   "occupancy": "occupancy correction",
   "household": "household pass adjustment"
  },
  "idKinds": {
   "resident": "resident ID card",
   "hkmo_permit": "HK/Macao permit",
   "tw_permit": "Taiwan permit",
   "hmt_residence": "HK/Macao/Taiwan residence permit",
   "foreign_pr": "foreign permanent residence card",
   "passport": "passport",
   "none": "no document"
  },
  "matchedBy": {
   "code": "visit code",
   "pass": "pass or pre-registration",
   "phone": "phone",
   "id": "ID number"
  },
  "roles": {
   "guard": "guard",
   "site_manager": "site manager",
   "monitor": "monitoring",
   "tracer": "tracer"
  },
  "devices": {
   "thermometer": "thermometer",
   "scanner": "scanner"
  },
  "facilities": {
   "community": "residential community",
   "supermarket": "supermarket",
   "market": "market",
   "clinic": "clinic",
   "school": "school",
   "nursing_home": "nursing home",
   "village": "village",
   "office": "office"
  }
 }
};
