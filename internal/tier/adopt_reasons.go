package tier

import (
	"fmt"
	"slices"
)

// ReplacementReasons says why the plan replaces droplets, one sentence per
// reason: "2 droplets run image ubuntu-22-04-x64, the configuration says
// ubuntu-24-04-x64". Droplets whose difference DigitalOcean does not report
// (user_data, SSH keys) get one sentence of their own. Fixed droplets only:
// a pool's members follow its template.
func ReplacementReasons(spec Spec, f Fleet) []string {
	if spec.Autoscale != nil {
		return nil
	}
	rev := spec.Droplet.Revision()
	counts := map[Difference]int{}
	var order []Difference
	unreported, byImport := 0, 0
	for _, d := range f.Droplets {
		if d.Status == StatusOff || d.Status == StatusArchive {
			continue // repaired, not replaced
		}
		pending := f.AdoptionPending(spec.Name, d)
		if !pending && (!d.InService(spec.Name) || d.Revision() == rev) {
			continue
		}
		diffs := TemplateDifferences(spec, d)
		switch {
		case len(diffs) > 0:
		case pending && f.Adopt.ReplaceDroplets:
			byImport++
		case !pending:
			unreported++
		}
		for _, diff := range diffs {
			if counts[diff] == 0 {
				order = append(order, diff)
			}
			counts[diff]++
		}
	}
	var out []string
	for _, diff := range order {
		out = append(out, describeDifference(counts[diff], diff))
	}
	if byImport > 0 {
		out = append(out, fmt.Sprintf("%s adopted with user_data=differs in the import id: their user_data and SSH keys are taken as not the configuration's, so they are replaced", droplets(byImport)))
	}
	if unreported > 0 {
		were := "were"
		if unreported == 1 {
			were = "was"
		}
		out = append(out, fmt.Sprintf("%s %s built with other user_data or ssh_keys than the configuration gives (DigitalOcean reports neither; the droplets' revision tag records what they were built from). After an import (or -generate-config-out), set droplet.user_data and droplet.ssh_keys to what the droplets were built with, or the apply replaces them", droplets(unreported), were))
	}
	return slices.Clip(out)
}

func describeDifference(n int, d Difference) string {
	verb := map[string]string{"image": "run image", "size": "are of size", "region": "run in region", "monitoring": "have monitoring", "ipv6": "have ipv6"}[d.Field]
	if n == 1 {
		verb = map[string]string{"image": "runs image", "size": "is of size", "region": "runs in region", "monitoring": "has monitoring", "ipv6": "has ipv6"}[d.Field]
	}
	return fmt.Sprintf("%s %s %s, the configuration says %s", droplets(n), verb, d.Have, d.Want)
}

func droplets(n int) string {
	if n == 1 {
		return "1 droplet"
	}
	return fmt.Sprintf("%d droplets", n)
}
