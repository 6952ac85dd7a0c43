package dev.p2pdma.pci.io;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;

/**
 * Compares two topologies through their public API: machine facts, host bridges, every value of
 * every function (config bytes included), and every relation (parent, upstream, host bridge,
 * children). {@link PciFunction} has no {@code equals}, so tests use this.
 */
final class TopologyEquality {

    private TopologyEquality() {
    }

    /** What differs, in words; empty when the topologies are equal. */
    static List<String> differences(PciTopology a, PciTopology b) {
        List<String> out = new ArrayList<>();
        if (!a.machine().equals(b.machine())) {
            out.add("machine: " + a.machine() + " vs " + b.machine());
        }
        if (!a.hostBridges().equals(b.hostBridges())) {
            out.add("host bridges: " + a.hostBridges() + " vs " + b.hostBridges());
        }
        if (a.size() != b.size()) {
            out.add("size: " + a.size() + " vs " + b.size());
            return out;
        }
        for (int i = 0; i < a.size(); i++) {
            PciFunction f = a.function(i);
            PciFunction g = b.function(i);
            String at = f.address() + ": ";
            if (!f.address().equals(g.address())) {
                out.add("function " + i + ": " + f.address() + " vs " + g.address());
                continue;
            }
            check(out, at + "vendorId", f.vendorId(), g.vendorId());
            check(out, at + "deviceId", f.deviceId(), g.deviceId());
            check(out, at + "subsystemVendorId", f.subsystemVendorId(), g.subsystemVendorId());
            check(out, at + "subsystemDeviceId", f.subsystemDeviceId(), g.subsystemDeviceId());
            check(out, at + "classCode", f.classCode(), g.classCode());
            check(out, at + "revision", f.revision(), g.revision());
            check(out, at + "headerType", f.headerType(), g.headerType());
            check(out, at + "portType", f.portType(), g.portType());
            check(out, at + "bars", f.bars(), g.bars());
            check(out, at + "acs", f.acs(), g.acs());
            check(out, at + "link", f.link(), g.link());
            check(out, at + "maxPayloadBytes", f.maxPayloadBytes(), g.maxPayloadBytes());
            check(out, at + "maxReadRequestBytes", f.maxReadRequestBytes(), g.maxReadRequestBytes());
            check(out, at + "busRange", f.busRange(), g.busRange());
            check(out, at + "numaNode", f.numaNode(), g.numaNode());
            check(out, at + "driver", f.driver(), g.driver());
            check(out, at + "iommuGroup", f.iommuGroup(), g.iommuGroup());
            check(out, at + "physfn", f.physfn(), g.physfn());
            check(out, at + "virtfns", f.virtfns(), g.virtfns());
            check(out, at + "p2pmem", f.p2pmem(), g.p2pmem());
            check(out, at + "description", f.description(), g.description());
            check(out, at + "problems", f.problems(), g.problems());
            if (!Arrays.equals(f.config(), g.config())) {
                out.add(at + "config bytes differ (" + f.configLength() + " vs " + g.configLength() + " bytes)");
            }
            check(out, at + "parent", a.parent(i), b.parent(i));
            check(out, at + "upstream", a.upstream(i), b.upstream(i));
            check(out, at + "hostBridge", a.hostBridgeOf(i), b.hostBridgeOf(i));
            check(out, at + "children", Arrays.toString(a.children(i)), Arrays.toString(b.children(i)));
        }
        for (int h = 0; h < Math.min(a.hostBridges().size(), b.hostBridges().size()); h++) {
            check(out, "root bus of " + a.hostBridges().get(h), Arrays.toString(a.rootChildren(h)), Arrays.toString(b.rootChildren(h)));
        }
        return out;
    }

    private static void check(List<String> out, String what, Object x, Object y) {
        if (!x.equals(y)) {
            out.add(what + ": " + x + " vs " + y);
        }
    }
}
