namespace Erebor.OpenFlow.Messages;

/// <summary>
/// Names and short meanings of OpenFlow 1.3 error codes and of the extension codes OVS sends in
/// OpenFlow 1.3 (Nicira "NX1.2+" and ONF "ONF1.3" codes, listed in OVS's ofp-errors.h).
/// </summary>
internal static class ErrorCatalog
{
    public readonly record struct Entry(string Name, string Description);

    private static readonly Dictionary<OfpErrorType, (string Name, Entry[] Codes)> Standard = new()
    {
        [OfpErrorType.HelloFailed] = ("OFPET_HELLO_FAILED",
        [
            new("OFPHFC_INCOMPATIBLE", "no compatible OpenFlow version"),
            new("OFPHFC_EPERM", "permissions error"),
        ]),
        [OfpErrorType.BadRequest] = ("OFPET_BAD_REQUEST",
        [
            new("OFPBRC_BAD_VERSION", "header version not supported"),
            new("OFPBRC_BAD_TYPE", "message type not supported"),
            new("OFPBRC_BAD_MULTIPART", "multipart type not supported"),
            new("OFPBRC_BAD_EXPERIMENTER", "experimenter id not supported"),
            new("OFPBRC_BAD_EXP_TYPE", "experimenter type not supported"),
            new("OFPBRC_EPERM", "permissions error"),
            new("OFPBRC_BAD_LEN", "wrong request length for its type"),
            new("OFPBRC_BUFFER_EMPTY", "buffer already used"),
            new("OFPBRC_BUFFER_UNKNOWN", "buffer does not exist"),
            new("OFPBRC_BAD_TABLE_ID", "table id invalid or does not exist"),
            new("OFPBRC_IS_SLAVE", "denied because this controller is a slave"),
            new("OFPBRC_BAD_PORT", "invalid port"),
            new("OFPBRC_BAD_PACKET", "invalid packet in packet-out"),
            new("OFPBRC_MULTIPART_BUFFER_OVERFLOW", "multipart request overflowed the switch's buffer"),
        ]),
        [OfpErrorType.BadAction] = ("OFPET_BAD_ACTION",
        [
            new("OFPBAC_BAD_TYPE", "unknown action type"),
            new("OFPBAC_BAD_LEN", "length problem in actions"),
            new("OFPBAC_BAD_EXPERIMENTER", "unknown experimenter id in action"),
            new("OFPBAC_BAD_EXP_TYPE", "unknown action type for the experimenter"),
            new("OFPBAC_BAD_OUT_PORT", "problem validating output port"),
            new("OFPBAC_BAD_ARGUMENT", "bad action argument"),
            new("OFPBAC_EPERM", "permissions error"),
            new("OFPBAC_TOO_MANY", "too many actions"),
            new("OFPBAC_BAD_QUEUE", "problem validating output queue"),
            new("OFPBAC_BAD_OUT_GROUP", "invalid group in action"),
            new("OFPBAC_MATCH_INCONSISTENT", "action does not fit the match, or a field prerequisite is unmet"),
            new("OFPBAC_UNSUPPORTED_ORDER", "action order unsupported in apply-actions"),
            new("OFPBAC_BAD_TAG", "unsupported tag or encapsulation"),
            new("OFPBAC_BAD_SET_TYPE", "set-field of an unknown or unsupported field"),
            new("OFPBAC_BAD_SET_LEN", "set-field length problem, or past the end of the field"),
            new("OFPBAC_BAD_SET_ARGUMENT", "set-field value invalid, or the field is read-only"),
        ]),
        [OfpErrorType.BadInstruction] = ("OFPET_BAD_INSTRUCTION",
        [
            new("OFPBIC_UNKNOWN_INST", "unknown instruction"),
            new("OFPBIC_UNSUP_INST", "instruction not supported by the switch or table"),
            new("OFPBIC_BAD_TABLE_ID", "invalid table id (goto_table must go forward)"),
            new("OFPBIC_UNSUP_METADATA", "metadata value unsupported"),
            new("OFPBIC_UNSUP_METADATA_MASK", "metadata mask unsupported"),
            new("OFPBIC_BAD_EXPERIMENTER", "unknown experimenter id in instruction"),
            new("OFPBIC_BAD_EXP_TYPE", "unknown instruction for the experimenter"),
            new("OFPBIC_BAD_LEN", "length problem in instructions"),
            new("OFPBIC_EPERM", "permissions error"),
        ]),
        [OfpErrorType.BadMatch] = ("OFPET_BAD_MATCH",
        [
            new("OFPBMC_BAD_TYPE", "unsupported match type"),
            new("OFPBMC_BAD_LEN", "length problem in match"),
            new("OFPBMC_BAD_TAG", "unsupported tag or encapsulation"),
            new("OFPBMC_BAD_DL_ADDR_MASK", "unsupported Ethernet address mask"),
            new("OFPBMC_BAD_NW_ADDR_MASK", "unsupported network address mask"),
            new("OFPBMC_BAD_WILDCARDS", "unsupported wildcard combination"),
            new("OFPBMC_BAD_FIELD", "unsupported match field"),
            new("OFPBMC_BAD_VALUE", "unsupported value in a match field"),
            new("OFPBMC_BAD_MASK", "unsupported mask for this field"),
            new("OFPBMC_BAD_PREREQ", "a field's prerequisite is missing"),
            new("OFPBMC_DUP_FIELD", "a field appears twice"),
            new("OFPBMC_EPERM", "permissions error"),
        ]),
        [OfpErrorType.FlowModFailed] = ("OFPET_FLOW_MOD_FAILED",
        [
            new("OFPFMFC_UNKNOWN", "unspecified error"),
            new("OFPFMFC_TABLE_FULL", "table full"),
            new("OFPFMFC_BAD_TABLE_ID", "table does not exist"),
            new("OFPFMFC_OVERLAP", "overlapping flow with CHECK_OVERLAP set"),
            new("OFPFMFC_EPERM", "permissions error"),
            new("OFPFMFC_BAD_TIMEOUT", "unsupported idle or hard timeout"),
            new("OFPFMFC_BAD_COMMAND", "unknown command"),
            new("OFPFMFC_BAD_FLAGS", "unsupported flags"),
        ]),
        [OfpErrorType.GroupModFailed] = ("OFPET_GROUP_MOD_FAILED",
        [
            new("OFPGMFC_GROUP_EXISTS", "group already exists"),
            new("OFPGMFC_INVALID_GROUP", "invalid group id"),
            new("OFPGMFC_WEIGHT_UNSUPPORTED", "unequal weights unsupported"),
            new("OFPGMFC_OUT_OF_GROUPS", "group table full"),
            new("OFPGMFC_OUT_OF_BUCKETS", "too many buckets"),
            new("OFPGMFC_CHAINING_UNSUPPORTED", "groups forwarding to groups unsupported"),
            new("OFPGMFC_WATCH_UNSUPPORTED", "cannot watch that port or group"),
            new("OFPGMFC_LOOP", "group would loop"),
            new("OFPGMFC_UNKNOWN_GROUP", "modified group does not exist"),
            new("OFPGMFC_CHAINED_GROUP", "group is referenced by another group"),
            new("OFPGMFC_BAD_TYPE", "unknown group type"),
            new("OFPGMFC_BAD_COMMAND", "unknown command"),
            new("OFPGMFC_BAD_BUCKET", "error in bucket"),
            new("OFPGMFC_BAD_WATCH", "error in watch port or group"),
            new("OFPGMFC_EPERM", "permissions error"),
        ]),
        [OfpErrorType.PortModFailed] = ("OFPET_PORT_MOD_FAILED",
        [
            new("OFPPMFC_BAD_PORT", "port does not exist"),
            new("OFPPMFC_BAD_HW_ADDR", "hardware address does not match the port"),
            new("OFPPMFC_BAD_CONFIG", "invalid config"),
            new("OFPPMFC_BAD_ADVERTISE", "invalid advertise"),
            new("OFPPMFC_EPERM", "permissions error"),
        ]),
        [OfpErrorType.TableModFailed] = ("OFPET_TABLE_MOD_FAILED",
        [
            new("OFPTMFC_BAD_TABLE", "table does not exist"),
            new("OFPTMFC_BAD_CONFIG", "invalid config"),
            new("OFPTMFC_EPERM", "permissions error"),
        ]),
        [OfpErrorType.QueueOpFailed] = ("OFPET_QUEUE_OP_FAILED",
        [
            new("OFPQOFC_BAD_PORT", "invalid port"),
            new("OFPQOFC_BAD_QUEUE", "queue does not exist"),
            new("OFPQOFC_EPERM", "permissions error"),
        ]),
        [OfpErrorType.SwitchConfigFailed] = ("OFPET_SWITCH_CONFIG_FAILED",
        [
            new("OFPSCFC_BAD_FLAGS", "invalid flags"),
            new("OFPSCFC_BAD_LEN", "invalid miss_send_len"),
            new("OFPSCFC_EPERM", "permissions error"),
        ]),
        [OfpErrorType.RoleRequestFailed] = ("OFPET_ROLE_REQUEST_FAILED",
        [
            new("OFPRRFC_STALE", "stale generation id"),
            new("OFPRRFC_UNSUP", "role change unsupported"),
            new("OFPRRFC_BAD_ROLE", "invalid role"),
        ]),
        [OfpErrorType.MeterModFailed] = ("OFPET_METER_MOD_FAILED",
        [
            new("OFPMMFC_UNKNOWN", "unspecified error"),
            new("OFPMMFC_METER_EXISTS", "meter already exists"),
            new("OFPMMFC_INVALID_METER", "invalid meter id"),
            new("OFPMMFC_UNKNOWN_METER", "modified meter does not exist"),
            new("OFPMMFC_BAD_COMMAND", "unknown command"),
            new("OFPMMFC_BAD_FLAGS", "unsupported flags"),
            new("OFPMMFC_BAD_RATE", "unsupported rate"),
            new("OFPMMFC_BAD_BURST", "unsupported burst size"),
            new("OFPMMFC_BAD_BAND", "unsupported band"),
            new("OFPMMFC_BAD_BAND_VALUE", "unsupported band value"),
            new("OFPMMFC_OUT_OF_METERS", "no more meters"),
            new("OFPMMFC_OUT_OF_BANDS", "too many bands"),
        ]),
        [OfpErrorType.TableFeaturesFailed] = ("OFPET_TABLE_FEATURES_FAILED",
        [
            new("OFPTFFC_BAD_TABLE", "table does not exist"),
            new("OFPTFFC_BAD_METADATA", "invalid metadata mask"),
            new("OFPTFFC_BAD_TYPE", "unknown property type"),
            new("OFPTFFC_BAD_LEN", "length problem in properties"),
            new("OFPTFFC_BAD_ARGUMENT", "unsupported property value"),
            new("OFPTFFC_EPERM", "permissions error"),
        ]),
    };

    private static readonly Dictionary<(uint Experimenter, ushort Code), Entry> Extensions = new()
    {
        [(OfpExperimenter.Nicira, 2)] = new("NXBRC_NXM_INVALID", "invalid NXM flow match"),
        [(OfpExperimenter.Nicira, 3)] = new("NXBRC_NXM_BAD_TYPE", "NXM field type invalid or not implemented"),
        [(OfpExperimenter.Nicira, 4)] = new("NXBRC_MUST_BE_ZERO", "must-be-zero field had a non-zero value"),
        [(OfpExperimenter.Nicira, 5)] = new("NXBRC_BAD_REASON", "invalid reason in port status"),
        [(OfpExperimenter.Nicira, 10)] = new("NXBRC_UNENCODABLE_ERROR", "the error cannot be represented in this OpenFlow version"),
        [(OfpExperimenter.Nicira, 11)] = new("NXBAC_MUST_BE_ZERO", "must-be-zero action argument had a non-zero value"),
        [(OfpExperimenter.Nicira, 12)] = new("NXFMFC_HARDWARE", "generic hardware error"),
        [(OfpExperimenter.Nicira, 13)] = new("NXFMFC_BAD_TABLE_ID", "nonexistent table id in flow_mod command"),
        [(OfpExperimenter.Nicira, 15)] = new("NXBAC_BAD_CONJUNCTION", "invalid conjunction action"),
        [(OfpExperimenter.Nicira, 34)] = new("NXR_NOT_SUPPORTED", "datapath does not support NXT_RESUME"),
        [(OfpExperimenter.Nicira, 35)] = new("NXR_STALE", "continuation is stale"),
        [(OfpExperimenter.Onf, 2300)] = new("OFPBFC_UNKNOWN", "unspecified bundle error"),
        [(OfpExperimenter.Onf, 2301)] = new("OFPBFC_EPERM", "bundle permissions error"),
        [(OfpExperimenter.Onf, 2302)] = new("OFPBFC_BAD_ID", "bundle id does not exist"),
        [(OfpExperimenter.Onf, 2303)] = new("OFPBFC_BUNDLE_EXIST", "bundle id already exists"),
        [(OfpExperimenter.Onf, 2304)] = new("OFPBFC_BUNDLE_CLOSED", "bundle is closed"),
        [(OfpExperimenter.Onf, 2305)] = new("OFPBFC_OUT_OF_BUNDLES", "too many bundles"),
        [(OfpExperimenter.Onf, 2306)] = new("OFPBFC_BAD_TYPE", "unknown bundle control type"),
        [(OfpExperimenter.Onf, 2307)] = new("OFPBFC_BAD_FLAGS", "unsupported, unknown or inconsistent bundle flags"),
        [(OfpExperimenter.Onf, 2308)] = new("OFPBFC_MSG_BAD_LEN", "length problem in a bundled message"),
        [(OfpExperimenter.Onf, 2309)] = new("OFPBFC_MSG_BAD_XID", "inconsistent or duplicate xid in a bundled message"),
        [(OfpExperimenter.Onf, 2310)] = new("OFPBFC_MSG_UNSUP", "message type not allowed in a bundle"),
        [(OfpExperimenter.Onf, 2311)] = new("OFPBFC_MSG_CONFLICT", "unsupported combination of messages in a bundle"),
        [(OfpExperimenter.Onf, 2312)] = new("OFPBFC_MSG_TOO_MANY", "too many messages in the bundle"),
        [(OfpExperimenter.Onf, 2313)] = new("OFPBFC_MSG_FAILED", "one message in the bundle failed"),
        [(OfpExperimenter.Onf, 2314)] = new("OFPBFC_TIMEOUT", "bundle took too long"),
        [(OfpExperimenter.Onf, 2315)] = new("OFPBFC_BUNDLE_IN_PROGRESS", "another bundle is locking the resource"),
        [(OfpExperimenter.Onf, 2600)] = new("OFPBIC_DUP_INST", "duplicate instruction"),
        [(OfpExperimenter.Onf, 4250)] = new("OFPBAC_BAD_SET_MASK", "set-field with a mask"),
    };

    public static Entry? Find(ErrorMessage error)
    {
        if (error.ErrorType == OfpErrorType.Experimenter)
        {
            return Extensions.TryGetValue((error.Experimenter, error.Code), out var extension) ? extension : null;
        }

        return Standard.TryGetValue(error.ErrorType, out var type) && error.Code < type.Codes.Length ? type.Codes[error.Code] : null;
    }

    public static string TypeName(OfpErrorType type) =>
        type == OfpErrorType.Experimenter ? "OFPET_EXPERIMENTER"
        : Standard.TryGetValue(type, out var known) ? known.Name
        : $"error type {(ushort)type}";
}
