package dev.p2pdma.pci.io;

import dev.p2pdma.pci.MachineInfo;
import dev.p2pdma.pci.PciFunction;
import dev.p2pdma.pci.PciTopology;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Everything an import decides, as comparable text lines: one line per function (identity,
 * parent, ACS, link, BARs, sysfs facts, config bytes) plus the machine facts. The source text and
 * notes are left out, so a tarball and its extracted directory compare equal.
 *
 * @param machine   the machine facts
 * @param functions one line per function, in address order
 */
record TopologyDigest(String machine, List<String> functions) {

    static TopologyDigest of(PciTopology t) {
        MachineInfo m = t.machine();
        String machine = m.cpu() + " | " + m.cmdline() + " | " + m.kernelRelease() + " | " + m.iommuActive() + " | "
                + m.iommuGroups();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < t.size(); i++) {
            PciFunction f = t.function(i);
            String parent = t.parent(i) < 0 ? t.hostBridgeOf(i).name() : t.function(t.parent(i)).address().toString();
            lines.add(f + " parent=" + parent + " sub=" + f.subsystemVendorId() + "/" + f.subsystemDeviceId()
                    + " rev=" + f.revision() + " hdr=" + f.headerType() + " acs=" + f.acs() + " link=" + f.link()
                    + " bus=" + f.busRange() + " bars=" + f.bars() + " numa=" + f.numaNode() + " driver=" + f.driver()
                    + " group=" + f.iommuGroup() + " physfn=" + f.physfn() + " vfs=" + f.virtfns() + " p2pmem=" + f.p2pmem()
                    + " config=" + f.configLength() + "/" + Arrays.hashCode(f.config()) + " problems=" + f.problems());
        }
        return new TopologyDigest(machine, lines);
    }
}
