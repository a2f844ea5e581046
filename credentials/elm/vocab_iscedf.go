package elm

// iscedFLabel returns the English label of an ISCED-F 2013 field code (2, 3
// or 4 digits: broad, narrow and detailed field; UNESCO), as published in the
// EU vocabulary http://data.europa.eu/snb/isced-f/25831c2.
func iscedFLabel(code string) (string, bool) {
	switch code {
	case "00":
		return "Generic programmes and qualifications", true
	case "000":
		return "Generic programmes and qualifications not further defined", true
	case "001":
		return "Basic programmes and qualifications", true
	case "002":
		return "Literacy and numeracy", true
	case "003":
		return "Personal skills and development", true
	case "009":
		return "Generic programmes and qualifications not elsewhere classified", true
	case "0000":
		return "Generic programmes and qualifications not further defined", true
	case "0011":
		return "Basic programmes and qualifications", true
	case "0021":
		return "Literacy and numeracy", true
	case "0031":
		return "Personal skills and development", true
	case "0099":
		return "Generic programmes and qualifications not elsewhere classified", true
	case "01":
		return "Education", true
	case "011":
		return "Education", true
	case "018":
		return "Inter-disciplinary programmes and qualifications involving education", true
	case "0110":
		return "Education not further defined", true
	case "0111":
		return "Education science", true
	case "0112":
		return "Training for pre-school teachers", true
	case "0113":
		return "Teacher training without subject specialisation", true
	case "0114":
		return "Teacher training with subject specialisation", true
	case "0119":
		return "Education not elsewhere classified", true
	case "0188":
		return "Inter-disciplinary programmes and qualifications involving education", true
	case "02":
		return "Arts and humanities", true
	case "020":
		return "Arts and humanities not further defined", true
	case "021":
		return "Arts", true
	case "022":
		return "Humanities (except languages)", true
	case "023":
		return "Languages", true
	case "028":
		return "Inter-disciplinary programmes and qualifications involving arts and humanities", true
	case "029":
		return "Arts and humanities not elsewhere classified", true
	case "0200":
		return "Arts and humanities not further defined", true
	case "0210":
		return "Arts not further defined", true
	case "0211":
		return "Audio-visual techniques and media production", true
	case "0212":
		return "Fashion, interior and industrial design", true
	case "0213":
		return "Fine arts", true
	case "0214":
		return "Handicrafts", true
	case "0215":
		return "Music and performing arts", true
	case "0219":
		return "Arts not elsewhere classified", true
	case "0220":
		return "Humanities (except languages) not further defined", true
	case "0221":
		return "Religion and theology", true
	case "0222":
		return "History and archaeology", true
	case "0223":
		return "Philosophy and ethics", true
	case "0228":
		return "Inter-disciplinary programmes and qualifications involving humanities", true
	case "0229":
		return "Humanities (except languages) not elsewhere classified", true
	case "0230":
		return "Languages not further defined", true
	case "0231":
		return "Language acquisition", true
	case "0232":
		return "Literature and linguistics", true
	case "0239":
		return "Languages not elsewhere classified", true
	case "0288":
		return "Inter-disciplinary programmes and qualifications involving arts and humanities", true
	case "0299":
		return "Arts and humanities not elsewhere classified", true
	case "03":
		return "Social sciences, journalism and information", true
	case "030":
		return "Social sciences, journalism and information not further defined", true
	case "031":
		return "Social and behavioural sciences", true
	case "032":
		return "Journalism and information", true
	case "038":
		return "Inter-disciplinary programmes and qualifications involving social sciences, journalism and information", true
	case "039":
		return "Social sciences, journalism and information not elsewhere classified", true
	case "0300":
		return "Social sciences, journalism and information not further defined", true
	case "0310":
		return "Social and behavioural sciences not further defined", true
	case "0311":
		return "Economics", true
	case "0312":
		return "Political sciences and civics", true
	case "0313":
		return "Psychology", true
	case "0314":
		return "Sociology and cultural studies", true
	case "0319":
		return "Social and behavioural sciences not elsewhere classified", true
	case "0320":
		return "Journalism and information not further defined", true
	case "0321":
		return "Journalism and reporting", true
	case "0322":
		return "Library, information and archival studies", true
	case "0329":
		return "Journalism and information not elsewhere classified", true
	case "0388":
		return "Inter-disciplinary programmes and qualifications involving social sciences, journalism and information", true
	case "0399":
		return "Social sciences, journalism and information not elsewhere classified", true
	case "04":
		return "Business, administration and law", true
	case "040":
		return "Business, administration and law not further defined", true
	case "041":
		return "Business and administration", true
	case "042":
		return "Law", true
	case "048":
		return "Inter-disciplinary programmes and qualifications involving business, administration and law", true
	case "049":
		return "Business, administration and law not elsewhere classified", true
	case "0400":
		return "Business, administration and law not further defined", true
	case "0410":
		return "Business and administration not further defined", true
	case "0411":
		return "Accounting and taxation", true
	case "0412":
		return "Finance, banking and insurance", true
	case "0413":
		return "Management and administration", true
	case "0414":
		return "Marketing and advertising", true
	case "0415":
		return "Secretarial and office work", true
	case "0416":
		return "Wholesale and retail sales", true
	case "0417":
		return "Work skills", true
	case "0419":
		return "Business and administration not elsewhere classified", true
	case "0421":
		return "Law", true
	case "0488":
		return "Inter-disciplinary programmes and qualifications involving business, administration and law", true
	case "0499":
		return "Business, administration and law not elsewhere classified", true
	case "05":
		return "Natural sciences, mathematics and statistics", true
	case "050":
		return "Natural sciences, mathematics and statistics not further defined", true
	case "051":
		return "Biological and related sciences", true
	case "052":
		return "Environment", true
	case "053":
		return "Physical sciences", true
	case "054":
		return "Mathematics and statistics", true
	case "058":
		return "Inter-disciplinary programmes and qualifications involving natural sciences, mathematics and statistics", true
	case "059":
		return "Natural sciences, mathematics and statistics not elsewhere classified", true
	case "0500":
		return "Natural sciences, mathematics and statistics not further defined", true
	case "0510":
		return "Biological and related sciences not further defined", true
	case "0511":
		return "Biology", true
	case "0512":
		return "Biochemistry", true
	case "0519":
		return "Biological and related sciences not elsewhere classified", true
	case "0520":
		return "Environment not further defined", true
	case "0521":
		return "Environmental sciences", true
	case "0522":
		return "Natural environments and wildlife", true
	case "0529":
		return "Environment not elsewhere classified", true
	case "0530":
		return "Physical sciences not further defined", true
	case "0531":
		return "Chemistry", true
	case "0532":
		return "Earth sciences", true
	case "0533":
		return "Physics", true
	case "0539":
		return "Physical sciences not elsewhere classified", true
	case "0540":
		return "Mathematics and statistics not further defined", true
	case "0541":
		return "Mathematics", true
	case "0542":
		return "Statistics", true
	case "0588":
		return "Inter-disciplinary programmes and qualifications involving natural sciences, mathematics and statistics", true
	case "0599":
		return "Natural sciences, mathematics and statistics not elsewhere classified", true
	case "06":
		return "Information and Communication Technologies (ICTs)", true
	case "061":
		return "Information and Communication Technologies (ICTs)", true
	case "068":
		return "Inter-disciplinary programmes and qualifications involving Information and Communication Technologies (ICTs)", true
	case "0610":
		return "Information and Communication Technologies (ICTs) not further defined", true
	case "0611":
		return "Computer use", true
	case "0612":
		return "Database and network design and administration", true
	case "0613":
		return "Software and applications development and analysis", true
	case "0619":
		return "Information and communication technologies not elsewhere classified", true
	case "0688":
		return "Inter-disciplinary programmes and qualifications involving Information and Communication Technologies (ICTs)", true
	case "07":
		return "Engineering, manufacturing and construction", true
	case "070":
		return "Engineering, manufacturing and construction not further defined", true
	case "071":
		return "Engineering and engineering trades", true
	case "072":
		return "Manufacturing and processing", true
	case "073":
		return "Architecture and construction", true
	case "078":
		return "Inter-disciplinary programmes and qualifications involving engineering, manufacturing and construction", true
	case "079":
		return "Engineering, manufacturing and construction not elsewhere classified", true
	case "0700":
		return "Engineering, manufacturing and construction not further defined", true
	case "0710":
		return "Engineering and engineering trades not further defined", true
	case "0711":
		return "Chemical engineering and processes", true
	case "0712":
		return "Environmental protection technology", true
	case "0713":
		return "Electricity and energy", true
	case "0714":
		return "Electronics and automation", true
	case "0715":
		return "Mechanics and metal trades", true
	case "0716":
		return "Motor vehicles, ships and aircraft", true
	case "0719":
		return "Engineering and engineering trades not elsewhere classified", true
	case "0720":
		return "Manufacturing and processing not further defined", true
	case "0721":
		return "Food processing", true
	case "0722":
		return "Materials (glass, paper, plastic and wood)", true
	case "0723":
		return "Textiles (clothes, footwear and leather)", true
	case "0724":
		return "Mining and extraction", true
	case "0729":
		return "Manufacturing and processing not elsewhere classified", true
	case "0730":
		return "Architecture and construction not further defined", true
	case "0731":
		return "Architecture and town planning", true
	case "0732":
		return "Building and civil engineering", true
	case "0788":
		return "Inter-disciplinary programmes and qualifications involving engineering, manufacturing and construction", true
	case "0799":
		return "Engineering, manufacturing and construction not elsewhere classified", true
	case "08":
		return "Agriculture, forestry, fisheries and veterinary", true
	case "080":
		return "Agriculture, forestry, fisheries and veterinary not further defined", true
	case "081":
		return "Agriculture", true
	case "082":
		return "Forestry", true
	case "083":
		return "Fisheries", true
	case "084":
		return "Veterinary", true
	case "088":
		return "Inter-disciplinary programmes and qualifications involving agriculture, forestry, fisheries and veterinary", true
	case "089":
		return "Agriculture, forestry, fisheries and veterinary not elsewhere classified", true
	case "0800":
		return "Agriculture, forestry, fisheries and veterinary not further defined", true
	case "0810":
		return "Agriculture not further defined", true
	case "0811":
		return "Crop and livestock production", true
	case "0812":
		return "Horticulture", true
	case "0819":
		return "Agriculture not elsewhere classified", true
	case "0821":
		return "Forestry", true
	case "0831":
		return "Fisheries", true
	case "0841":
		return "Veterinary", true
	case "0888":
		return "Inter-disciplinary programmes and qualifications involving agriculture, forestry, fisheries and veterinary", true
	case "0899":
		return "Agriculture, forestry, fisheries and veterinary not elsewhere classified", true
	case "09":
		return "Health and welfare", true
	case "090":
		return "Health and welfare not further defined", true
	case "091":
		return "Health", true
	case "092":
		return "Welfare", true
	case "098":
		return "Inter-disciplinary programmes and qualifications involving health and welfare", true
	case "099":
		return "Health and welfare not elsewhere classified", true
	case "0900":
		return "Health and welfare not further defined", true
	case "0910":
		return "Health not further defined", true
	case "0911":
		return "Dental studies", true
	case "0912":
		return "Medicine", true
	case "0913":
		return "Nursing and midwifery", true
	case "0914":
		return "Medical diagnostic and treatment technology", true
	case "0915":
		return "Therapy and rehabilitation", true
	case "0916":
		return "Pharmacy", true
	case "0917":
		return "Traditional and complementary medicine and therapy", true
	case "0919":
		return "Health not elsewhere classified", true
	case "0920":
		return "Welfare not further defined", true
	case "0921":
		return "Care of the elderly and of disabled adults", true
	case "0922":
		return "Child care and youth services", true
	case "0923":
		return "Social work and counselling", true
	case "0929":
		return "Welfare not elsewhere classified", true
	case "0988":
		return "Inter-disciplinary programmes and qualifications involving health and welfare", true
	case "0999":
		return "Health and welfare not elsewhere classified", true
	case "10":
		return "Services", true
	case "100":
		return "Services not further defined", true
	case "101":
		return "Personal services", true
	case "102":
		return "Hygiene and occupational health services", true
	case "103":
		return "Security services", true
	case "104":
		return "Transport services", true
	case "108":
		return "Inter-disciplinary programmes and qualifications involving services", true
	case "109":
		return "Services not elsewhere classified", true
	case "1000":
		return "Services not further defined", true
	case "1010":
		return "Personal services not further defined", true
	case "1011":
		return "Domestic services", true
	case "1012":
		return "Hair and beauty services", true
	case "1013":
		return "Hotel, restaurants and catering", true
	case "1014":
		return "Sports", true
	case "1015":
		return "Travel, tourism and leisure", true
	case "1019":
		return "Personal services not elsewhere classified", true
	case "1020":
		return "Hygiene and occupational health services not further defined", true
	case "1021":
		return "Community sanitation", true
	case "1022":
		return "Occupational health and safety", true
	case "1029":
		return "Hygiene and occupational health services not elsewhere classified", true
	case "1030":
		return "Security services not further defined", true
	case "1031":
		return "Military and defence", true
	case "1032":
		return "Protection of persons and property", true
	case "1039":
		return "Security services not elsewhere classified", true
	case "1041":
		return "Transport services", true
	case "1088":
		return "Inter-disciplinary programmes and qualifications involving services", true
	case "1099":
		return "Services not elsewhere classified", true
	case "99":
		return "Field unknown", true
	case "999":
		return "Field unknown", true
	case "9999":
		return "Field unknown", true
	}
	return "", false
}

// iscedFCodes lists every code iscedFLabel knows, in the vocabulary's order.
func iscedFCodes() []string {
	return []string{
		"00", "000", "001", "002", "003", "009", "0000", "0011", "0021", "0031", "0099", "01",
		"011", "018", "0110", "0111", "0112", "0113", "0114", "0119", "0188", "02", "020", "021",
		"022", "023", "028", "029", "0200", "0210", "0211", "0212", "0213", "0214", "0215", "0219",
		"0220", "0221", "0222", "0223", "0228", "0229", "0230", "0231", "0232", "0239", "0288", "0299",
		"03", "030", "031", "032", "038", "039", "0300", "0310", "0311", "0312", "0313", "0314",
		"0319", "0320", "0321", "0322", "0329", "0388", "0399", "04", "040", "041", "042", "048",
		"049", "0400", "0410", "0411", "0412", "0413", "0414", "0415", "0416", "0417", "0419", "0421",
		"0488", "0499", "05", "050", "051", "052", "053", "054", "058", "059", "0500", "0510",
		"0511", "0512", "0519", "0520", "0521", "0522", "0529", "0530", "0531", "0532", "0533", "0539",
		"0540", "0541", "0542", "0588", "0599", "06", "061", "068", "0610", "0611", "0612", "0613",
		"0619", "0688", "07", "070", "071", "072", "073", "078", "079", "0700", "0710", "0711",
		"0712", "0713", "0714", "0715", "0716", "0719", "0720", "0721", "0722", "0723", "0724", "0729",
		"0730", "0731", "0732", "0788", "0799", "08", "080", "081", "082", "083", "084", "088",
		"089", "0800", "0810", "0811", "0812", "0819", "0821", "0831", "0841", "0888", "0899", "09",
		"090", "091", "092", "098", "099", "0900", "0910", "0911", "0912", "0913", "0914", "0915",
		"0916", "0917", "0919", "0920", "0921", "0922", "0923", "0929", "0988", "0999", "10", "100",
		"101", "102", "103", "104", "108", "109", "1000", "1010", "1011", "1012", "1013", "1014",
		"1015", "1019", "1020", "1021", "1022", "1029", "1030", "1031", "1032", "1039", "1041", "1088",
		"1099", "99", "999", "9999",
	}
}
