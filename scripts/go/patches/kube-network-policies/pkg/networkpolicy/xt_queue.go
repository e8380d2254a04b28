// Added by cka-guide (scripts/go/patches/kube-network-policies): see edits.yaml beside this tree.

package networkpolicy

import (
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/xt"
)

// xtQueue hands a packet to userspace queue queueID through nftables' x_tables compatibility
// layer (nft_compat with the NFQUEUE target, revision 3) instead of nftables' own queue
// expression: kernels built without nft_queue (CONFIG_NFT_QUEUE) refuse the whole rule set
// with ENOENT, while the NFQUEUE target is in nearly every kernel. With bypass, packets are
// accepted while no program listens on the queue (the controller's --fail-open).
func xtQueue(queueID int, bypass bool) expr.Any {
	// struct xt_NFQ_info_v3 { __u16 queuenum; __u16 queues_total; __u16 flags; }, padded to 8 bytes.
	var flags uint16
	if bypass {
		flags = 0x01 // NFQ_FLAG_BYPASS
	}
	info := xt.Unknown(append(append(append(
		binaryutil.NativeEndian.PutUint16(uint16(queueID)),
		binaryutil.NativeEndian.PutUint16(1)...),
		binaryutil.NativeEndian.PutUint16(flags)...),
		0, 0))
	return &expr.Target{Name: "NFQUEUE", Rev: 3, Info: &info}
}
