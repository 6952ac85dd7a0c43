package dev.p2pdma.p2pdma;

import dev.p2pdma.pci.Acs;
import dev.p2pdma.pci.AcsState;
import dev.p2pdma.pci.CpuInfo;
import dev.p2pdma.pci.HostBridge;
import dev.p2pdma.pci.PciAddress;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Models the step-by-step story of one calc_map_type_and_dist() walk that {@code p2pdma explain}
 * prints ({@link P2pVerdict#steps()}): the decision tells each event of the walk, and a
 * {@link Told} narration turns it into lines while {@link #SILENT} drops it. One narration per
 * verdict; a {@link Told} one is not thread-safe, {@link #SILENT} is stateless.
 */
sealed interface VerdictNarration permits VerdictNarration.Silent, VerdictNarration.Told {

    /** The narration that tells nothing, for verdicts that are not explained. */
    VerdictNarration SILENT = Silent.INSTANCE;

    /** A fresh narration that records every step, for {@code p2pdma explain}. */
    static VerdictNarration told(PciTopology topology) {
        return new Told(topology);
    }

    /** The provider's and client's chains up to their root buses. */
    void chains(int provider, int[] providerChain, int client, int[] clientChain);

    /** One device on the path whose ACS the walk examined, and whether it redirects. */
    void acsChecked(PciFunction function, boolean redirects);

    /** The nearest common upstream device, {@code up} steps above the provider and {@code down} above the client. */
    void commonUpstream(boolean sameFunction, PciFunction common, int up, int down);

    /** No common upstream device: the route crosses the host bridge. */
    void noCommonUpstream(int providerChainLength, int clientChainLength);

    /** ACS redirect on these devices sends the route through the host bridge. */
    void acsRedirect(List<PciAddress> offenders);

    /** What the directional ACS rule (spec 12.2 R1) read at the divergence, in words. */
    void divergence(String text);

    /** cpu_supports_p2pdma() answered for the effective CPU. */
    void cpuRule(boolean supports, Optional<CpuInfo> cpu);

    /** One host bridge's whitelist answer, in words. */
    void whitelist(String answer);

    /** The verdict reached. */
    void verdict(MapType type, int distance);

    /** The steps told so far; empty for {@link #SILENT}. */
    List<String> steps();

    /** The narration that drops every step. Stateless; thread-safe. */
    enum Silent implements VerdictNarration {
        /** The one silent narration. */
        INSTANCE;

        @Override
        public void chains(int provider, int[] providerChain, int client, int[] clientChain) {
        }

        @Override
        public void acsChecked(PciFunction function, boolean redirects) {
        }

        @Override
        public void commonUpstream(boolean sameFunction, PciFunction common, int up, int down) {
        }

        @Override
        public void noCommonUpstream(int providerChainLength, int clientChainLength) {
        }

        @Override
        public void acsRedirect(List<PciAddress> offenders) {
        }

        @Override
        public void divergence(String text) {
        }

        @Override
        public void cpuRule(boolean supports, Optional<CpuInfo> cpu) {
        }

        @Override
        public void whitelist(String answer) {
        }

        @Override
        public void verdict(MapType type, int distance) {
        }

        @Override
        public List<String> steps() {
            return List.of();
        }
    }

    /** The narration that records every step as a line. Not thread-safe: one verdict's walk. */
    final class Told implements VerdictNarration {

        /** The tree, for addresses and host bridges. */
        private final PciTopology topology;
        /** The lines told so far. */
        private final List<String> steps = new ArrayList<>();
        /** The ACS states examined, told together once the common device is known. */
        private final List<String> acsChecks = new ArrayList<>();

        private Told(PciTopology topology) {
            this.topology = topology;
        }

        @Override
        public void chains(int provider, int[] providerChain, int client, int[] clientChain) {
            steps.add("provider chain: " + chainText(providerChain) + " (root bus of " + topology.hostBridgeOf(provider) + ")");
            steps.add("client chain:   " + chainText(clientChain) + " (root bus of " + topology.hostBridgeOf(client) + ")");
        }

        @Override
        public void acsChecked(PciFunction function, boolean redirects) {
            String state = switch (function.acs()) {
                case AcsState.Present p -> "ctrl " + Acs.describe(p.controlBits());
                case AcsState.Absent a -> "no ACS";
                case AcsState.Unreadable u -> "ctrl unreadable, reads as all ones";
                case AcsState.Unknown u -> "unknown, assumed " + (redirects ? "redirect" : "no redirect");
            };
            acsChecks.add(function.address() + " [" + state + (redirects ? ": REDIRECT" : "") + "]");
        }

        @Override
        public void commonUpstream(boolean sameFunction, PciFunction common, int up, int down) {
            steps.add(sameFunction
                    ? "provider and client are the same function: distance 0"
                    : "nearest common upstream device: " + common.address() + " (" + common.portType().label() + "), " + up
                    + " step(s) up from the provider and " + down + " down to the client: distance " + (up + down));
            if (!acsChecks.isEmpty()) {
                steps.add("ACS checked on the provider's chain up to and including the common device, and the client's chain below it: "
                        + String.join(", ", acsChecks));
            }
        }

        @Override
        public void noCommonUpstream(int providerChainLength, int clientChainLength) {
            steps.add("no common upstream device: the traffic must cross the host bridge; distance = " + providerChainLength + " + "
                    + clientChainLength + " = " + (providerChainLength + clientChainLength) + " (ACS is not examined on this route)");
        }

        @Override
        public void divergence(String text) {
            steps.add(text);
        }

        @Override
        public void acsRedirect(List<PciAddress> offenders) {
            steps.add("ACS redirect on " + offenders + ": the route goes through the host bridge");
        }

        @Override
        public void cpuRule(boolean supports, Optional<CpuInfo> cpu) {
            steps.add(supports
                    ? "cpu_supports_p2pdma(): yes (" + cpu.map(CpuInfo::describe).orElse("") + ")"
                    : "cpu_supports_p2pdma(): no (" + cpu.map(CpuInfo::describe).orElse("CPU unknown, assumed not AMD Zen")
                    + "); checking the host-bridge whitelist");
        }

        @Override
        public void whitelist(String answer) {
            steps.add(answer);
        }

        @Override
        public void verdict(MapType type, int distance) {
            steps.add("verdict: " + type + ", distance " + distance);
        }

        @Override
        public List<String> steps() {
            return List.copyOf(steps);
        }

        /** A chain as addresses joined by arrows. */
        private String chainText(int[] chain) {
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < chain.length; k++) {
                if (k > 0) {
                    sb.append(" -> ");
                }
                sb.append(topology.function(chain[k]).address());
            }
            return sb.toString();
        }
    }
}
