package doapi

// Domains and domain records as DigitalOcean's DNS accepts them.
var (
	// DomainRecordTypes are the types a record can be created with. SOA
	// exists on every domain but is made by DigitalOcean, and only its ttl
	// can be changed.
	DomainRecordTypes = []string{"A", "AAAA", "CAA", "CNAME", "MX", "NS", "SRV", "TXT"}
	// DomainNameservers are the NS records every new domain gets, in order.
	DomainNameservers = []string{"ns1.digitalocean.com", "ns2.digitalocean.com", "ns3.digitalocean.com"}
	// CAATags are the tags a CAA record may carry.
	CAATags = []string{"issue", "issuewild", "iodef"}

	// RecordPriorityRange bounds MX and SRV priorities; SRV weights and
	// ports share it ("must be an integer between 0 and 65535").
	RecordPriorityRange = Range{0, 65535}
	// RecordFlagsRange bounds CAA flags.
	RecordFlagsRange = Range{0, 255}
)

const (
	// DomainDefaultTTL is the ttl of a domain's SOA and of records created
	// without one, in seconds.
	DomainDefaultTTL = 1800
	// RecordMinTTL is the shortest ttl a record may have, in seconds.
	RecordMinTTL = 30
	// TXTMaxLength is the longest TXT data the API takes, in bytes.
	TXTMaxLength = 512
)
