package dev.p2pdma.p2pdma;

import dev.p2pdma.base.UnknownAcsPolicy;
import dev.p2pdma.pci.Acs;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.PciTopology;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Models the proposed pci_p2pdma ACS path rule of calc_map_type_and_dist() in Leon Romanovsky's
 * series "directional ACS at the path divergence" (spec 12.2 R1, in review on linux-pci and
 * dri-devel, Aug-Oct 2026; not merged): which route a peer-to-peer transfer from a client to a
 * provider's memory takes, per {@link TlpClass}, before the host-bridge allowance is applied.
 *
 * <p>Modelled version: the candidate {@code drivers/pci/p2pdma.c} of the in-review tree (corpus
 * file id 69398543513) with its KUnit file {@code drivers/pci/pci_acs_test.c} (file id
 * 69529058358; the pci_acs suite with the request/completion tables and the nested-switch
 * fabric). Earlier KUnit versions (ids 69876254449, 69516730606) are subsets of it. The later
 * versions' sibling-function rule (no internal route between functions of one link even with ACS
 * clear, requiring usable Upstream Forwarding and an allowed host bridge) was not found in any
 * readable copy and is not modelled.
 *
 * <p>The rule, in our words:
 * <ul>
 * <li>Walk up from both ends to the nearest common upstream device. Its child on the client's
 *     side is where the client's Requests could turn toward the peer: only that port's Request
 *     controls matter (RR or EC redirect; for Translated Requests TB refuses and DT routes
 *     directly, TB winning). Its child on the provider's side is where the Completions turn back:
 *     only its CR matters, and not for Relaxed-Ordering Completions. Ports below the divergence
 *     cannot redirect anything, so their RR/CR/EC are ignored; the endpoints are no longer
 *     examined. Direction matters: swapping provider and client swaps which port's RR and which
 *     port's CR are read.</li>
 * <li>Translation Blocking is an admission check, not a route: on any port strictly between the
 *     client and the common device it refuses Translated Requests outright; at or above the
 *     divergence it refuses them only on the route that climbs to the host bridge.</li>
 * <li>An ACS Control register that cannot be read on a divergence port refuses every class
 *     (warning {@code ACS Control is unreadable for provider %s at %s}); on the client path it
 *     counts as Translation Blocking.</li>
 * <li>No common upstream device: the host bridge is the only route (TB below still refuses
 *     Translated Requests).</li>
 * <li>A device without an ACS capability routes as if all controls were clear. Where the input
 *     does not show ACS, the {@link UnknownAcsPolicy} decides: redirect assumes the IOMMU default
 *     SV RR CR UF.</li>
 * </ul>
 *
 * <p>Immutable after construction; safe to share between threads.
 */
public final class DirectionalAcsRule {

    /** Marks an ACS Control register the kernel cannot read in {@link #control}. */
    private static final int UNREADABLE = -1;

    /** pci_upstream_bridge() per function (-1 on a root bus). */
    private final int[] upstream;
    /** Chain length per function. */
    private final int[] chainLength;
    /** ACS Control as the kernel reads it per function: 0 without a capability, {@link #UNREADABLE} when the read fails. */
    private final int[] control;
    /** Per function: how many devices from it up to its root bus (inclusive) refuse Translated Requests (TB set or unreadable). */
    private final int[] translationBlockersOnChain;

    /**
     * Models pci_acs_p2pdma_state: how one ACS-capable ingress port routes a peer-to-peer TLP.
     */
    public enum PortRoute {
        /** Routed toward the peer. */
        DIRECT,
        /** Sent upstream toward the root complex. */
        REDIRECT,
        /** Refused: an ACS Violation (Translation Blocking). */
        BLOCKED
    }

    /** The route of a whole provider/client path for one TLP class, before the host-bridge allowance. */
    public enum Route {
        /** Both directions route directly: PCI bus addresses (BUS_ADDR). */
        BUS_ADDRESS,
        /** Through the host bridge: THRU_HOST_BRIDGE if the CPU rule or the whitelist allows it, else NOT_SUPPORTED. */
        HOST_BRIDGE,
        /** No route at all, whatever the host bridge allows: NOT_SUPPORTED. */
        REFUSED
    }

    /**
     * What the walk found for one provider/client pair (struct pci_p2pdma_acs_path plus the walk's
     * own results); every index is into the topology, -1 for "none".
     *
     * @param common             the nearest common upstream device
     * @param providerChild      the common device's child on the provider's chain (the Completion port)
     * @param clientChild        the common device's child on the client's chain (the Request port)
     * @param distance           the kernel's distance
     * @param requestControl     ACS Control of {@code clientChild} (0 when there is no such port or it has no ACS)
     * @param completionControl  ACS Control of {@code providerChild}
     * @param tbBelowDivergence  a device strictly between the client and the common device refuses Translated Requests
     * @param tbAtOrAboveDivergence a device from the common device up to the root bus refuses them
     * @param unreadable         the first divergence port whose ACS Control cannot be read
     */
    public record Divergence(int common, int providerChild, int clientChild, int distance, int requestControl, int completionControl,
                             boolean tbBelowDivergence, boolean tbAtOrAboveDivergence, int unreadable) {

        /** True when provider and client share no upstream device (no_common_bridge). */
        public boolean noCommonUpstream() {
            return common < 0;
        }

        /** True when both divergence ports exist, so their ACS controls were read. */
        public boolean portsEvaluated() {
            return providerChild >= 0 && clientChild >= 0;
        }
    }

    private DirectionalAcsRule(PciTopology topology, UnknownAcsPolicy unknownAcs) {
        int n = topology.size();
        this.upstream = new int[n];
        this.chainLength = new int[n];
        this.control = new int[n];
        for (int i = 0; i < n; i++) {
            upstream[i] = topology.upstream(i);
            chainLength[i] = topology.chainLength(i);
            control[i] = switch (topology.function(i).acs()) {
                case AcsState.Present p -> p.controlBits();
                case AcsState.Absent a -> 0;
                case AcsState.Unreadable u -> UNREADABLE;
                case AcsState.Unknown u -> unknownAcs.redirects() ? Acs.IOMMU_DEFAULT_BITS : 0;
            };
        }
        this.translationBlockersOnChain = new int[n];
        for (int i = 0; i < n; i++) {
            int count = 0;
            for (int a = i; a >= 0; a = upstream[a]) {
                count += blocksTranslation(control[a]) ? 1 : 0;
            }
            translationBlockersOnChain[i] = count;
        }
    }

    /** The rule over a topology, with {@code unknownAcs} for functions whose ACS the input does not show. */
    public static DirectionalAcsRule of(PciTopology topology, UnknownAcsPolicy unknownAcs) {
        return new DirectionalAcsRule(topology, unknownAcs);
    }

    /** Models pci_acs_p2pdma_request(): how a port with ACS Control {@code ctrl} routes a Request of class {@code tlp}. */
    public static PortRoute request(int ctrl, TlpClass tlp) {
        if (tlp.translated()) {
            if ((ctrl & Acs.TB) != 0) {
                return PortRoute.BLOCKED;
            }
            if ((ctrl & Acs.DT) != 0) {
                return PortRoute.DIRECT;
            }
        }
        return (ctrl & (Acs.RR | Acs.EC)) != 0 ? PortRoute.REDIRECT : PortRoute.DIRECT;
    }

    /** Models pci_acs_p2pdma_completion(): how a port with ACS Control {@code ctrl} routes a Completion of class {@code tlp}. */
    public static PortRoute completion(int ctrl, TlpClass tlp) {
        if (tlp.relaxedCompletion()) {
            return PortRoute.DIRECT;
        }
        return (ctrl & Acs.CR) != 0 ? PortRoute.REDIRECT : PortRoute.DIRECT;
    }

    /** Models pci_p2pdma_route(): the route of a walked path for one TLP class. */
    public static Route route(Divergence d, TlpClass tlp) {
        if (d.unreadable() >= 0) {
            return Route.REFUSED;
        }
        PortRoute req = tlp.translated() && d.tbBelowDivergence() ? PortRoute.BLOCKED : request(d.requestControl(), tlp);
        if (req == PortRoute.BLOCKED) {
            return Route.REFUSED;
        }
        if (!d.noCommonUpstream() && req == PortRoute.DIRECT && completion(d.completionControl(), tlp) == PortRoute.DIRECT) {
            return Route.BUS_ADDRESS;
        }
        if (tlp.translated() && d.tbAtOrAboveDivergence()) {
            return Route.REFUSED;
        }
        return Route.HOST_BRIDGE;
    }

    /** The walk of calc_map_type_and_dist() for this rule: common device, divergence ports, their controls, TB on the way. */
    public Divergence walk(int provider, int client) {
        int a = provider;
        int b = client;
        int la = chainLength[a];
        int lb = chainLength[b];
        int aChild = -1;
        int bChild = -1;
        int up = 0;
        int down = 0;
        while (la > lb) {
            aChild = a;
            a = upstream[a];
            la--;
            up++;
        }
        while (lb > la) {
            bChild = b;
            b = upstream[b];
            lb--;
            down++;
        }
        while (a != b) {
            aChild = a;
            a = upstream[a];
            bChild = b;
            b = upstream[b];
            up++;
            down++;
        }
        int clientUp = upstream[client];
        if (a < 0) {
            boolean tbOnPath = clientUp >= 0 && translationBlockersOnChain[clientUp] > 0;
            return new Divergence(-1, -1, -1, chainLength[provider] + chainLength[client], 0, 0, tbOnPath, false, -1);
        }
        int common = a;
        int reqCtrl = 0;
        int cplCtrl = 0;
        int unreadable = -1;
        if (aChild >= 0 && bChild >= 0) {
            if (control[aChild] == UNREADABLE) {
                unreadable = aChild;
            } else {
                cplCtrl = control[aChild];
            }
            if (control[bChild] == UNREADABLE) {
                unreadable = unreadable >= 0 ? unreadable : bChild;
            } else {
                reqCtrl = control[bChild];
            }
        }
        boolean tbBelow = client != common && translationBlockersOnChain[clientUp] - translationBlockersOnChain[common] > 0;
        boolean tbAbove = bChild >= 0 && translationBlockersOnChain[common] > 0;
        return new Divergence(common, aChild, bChild, up + down, reqCtrl, cplCtrl, tbBelow, tbAbove, unreadable);
    }

    /** The route of the pair for one class: {@link #route(Divergence, TlpClass)} of {@link #walk}. */
    public Route route(int provider, int client, TlpClass tlp) {
        return route(walk(provider, client), tlp);
    }

    /**
     * The divergence ports the kernel names in its hint {@code pci=disable_acs_redir=...} for a
     * walked path whose default class does not use bus addresses: the provider-side port when its
     * Completion Redirect applies, then the client-side port when its Request controls redirect;
     * empty when the path has no such port (or a port is unreadable, which gets its own warning).
     */
    public static List<Integer> hintPorts(Divergence d) {
        List<Integer> out = new ArrayList<>(2);
        if (!d.portsEvaluated() || d.unreadable() >= 0) {
            return out;
        }
        if (completion(d.completionControl(), TlpClass.KERNEL_DEFAULT) != PortRoute.DIRECT) {
            out.add(d.providerChild());
        }
        if (request(d.requestControl(), TlpClass.KERNEL_DEFAULT) != PortRoute.DIRECT) {
            out.add(d.clientChild());
        }
        return out;
    }

    /** ACS Control of a function as this rule reads it; empty when the kernel's read fails. */
    public OptionalInt control(int index) {
        return control[index] == UNREADABLE ? OptionalInt.empty() : OptionalInt.of(control[index]);
    }

    /** True when a device refuses Translated Requests: TB set, or a Control register that cannot be read. */
    private static boolean blocksTranslation(int ctrl) {
        return ctrl == UNREADABLE || (ctrl & Acs.TB) != 0;
    }
}
